namespace Credentials.Functions.Proxy;

/// <summary>Limits of the provider API proxy (docs/proxy.md).</summary>
public sealed class ProxyOptions
{
    public const string SectionName = "Proxy";

    /// <summary>Largest request body forwarded; a larger one is refused with 413 before anything is sent.</summary>
    public long MaxRequestBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest response body passed back; a larger declared one is 502, a longer stream is cut off.</summary>
    public long MaxResponseBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>
    /// Request bodies up to this size are held in memory, so that after a 401 the request can be sent again with a
    /// renewed token; larger ones stream through once and a 401 is passed back.
    /// </summary>
    public int ReplayableBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The whole proxied call (token, provider request, headers back) ends within this. It stays under the caller's
    /// budget: the front end's 230 s limit for an HTTP-triggered function, and the typical 100 s of an HTTP client.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
}
