using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Credentials.Client;

/// <summary>
/// Calls providers' APIs as a user through the service's proxy: the requests never carry, and this process never holds,
/// the user's token. Needs <c>credentials:proxy</c> on the connection (docs/proxy.md).
/// </summary>
public interface ICredentialsProxy
{
    /// <summary>
    /// An <see cref="HttpClient"/> for one user's connection: a relative request URI (no leading slash), e.g.
    /// <c>calendar/v3/calendars/primary/events</c>, goes to the provider's API named <paramref name="api"/> (the
    /// provider's default when null). Answers are the provider's own, streamed; the proxy's refusals are problem+json
    /// with a <c>code</c> (<c>proxy_*</c>, <c>forbidden</c>, <c>reauthorization_required</c> …). When the service cannot be
    /// reached, does not answer within <see cref="CredentialsClientOptions.ProxyTimeout"/>, or the caller token source
    /// throws, the client answers a problem itself (503 <c>service_unreachable</c>, 504 <c>service_timeout</c>, 401
    /// <c>caller_token_failed</c>) instead of throwing. A request outside the service's address throws
    /// <see cref="InvalidOperationException"/> (a programming error: nothing was sent).
    /// </summary>
    /// <param name="userId">The user whose connection the requests act for.</param>
    /// <param name="connectionId">The user's connection, e.g. <c>google</c>.</param>
    /// <param name="api">The provider API's name in the service's configuration; null: the provider's default API.</param>
    HttpClient CreateClient(string userId, string connectionId, string? api = null);
}

internal sealed class CredentialsProxy(IHttpClientFactory clients, IOptions<CredentialsClientOptions> options) : ICredentialsProxy
{
    public const string HttpClientName = "Credentials.Proxy";

    public HttpClient CreateClient(string userId, string connectionId, string? api = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        var service = options.Value.BaseAddress!.AbsoluteUri.TrimEnd('/');
        var http = clients.CreateClient(HttpClientName);
        http.BaseAddress = new Uri($"{service}/api/proxy/users/{Uri.EscapeDataString(userId)}/connections/{Uri.EscapeDataString(connectionId)}/");
        if (api is not null)
        {
            http.DefaultRequestHeaders.Add("X-Credentials-Api", api);
        }

        return http;
    }
}

// <summary>
// Puts this service's own bearer token (<see cref="CredentialsClientOptions.CallerToken"/>) on each proxied request, and
// refuses, unsent, a request that is not under <see cref="CredentialsClientOptions.BaseAddress"/> (another scheme, host or
// port, or a path outside its path): an absolute URL from a provider's answer (a <c>nextLink</c>) must never receive it.
// </summary>
internal sealed class CallerTokenHandler(IOptions<CredentialsClientOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsUnder(options.Value.BaseAddress!, request.RequestUri))
        {
            throw new InvalidOperationException(
                $"A proxy client sends requests only under the Credentials service's BaseAddress, not to {request.RequestUri?.GetLeftPart(UriPartial.Authority)}: " +
                "pass a provider's absolute URL (e.g. a nextLink) as a path relative to the API instead. Nothing was sent.");
        }

        string callerToken;
        try
        {
            callerToken = await options.Value.CallerToken!(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new CallerTokenException(exception);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", callerToken);
        return await base.SendAsync(request, cancellationToken);
    }

    // <summary>Same scheme, host and port, and a path (dot segments already resolved by <see cref="Uri"/>) at or under the base's.</summary>
    internal static bool IsUnder(Uri baseAddress, Uri? uri) =>
        uri is { IsAbsoluteUri: true }
        && string.Equals(uri.Scheme, baseAddress.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.IdnHost, baseAddress.IdnHost, StringComparison.OrdinalIgnoreCase)
        && uri.Port == baseAddress.Port
        && uri.AbsolutePath.StartsWith(baseAddress.AbsolutePath.EndsWith('/') ? baseAddress.AbsolutePath : baseAddress.AbsolutePath + "/", StringComparison.Ordinal);
}
