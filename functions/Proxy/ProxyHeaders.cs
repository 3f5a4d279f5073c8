using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Credentials.Functions.Proxy;

/// <summary>
/// Which headers cross the proxy. Towards the provider: the caller's own headers, without its credentials (the
/// <c>Authorization</c> the caller authenticated with, cookies), hop-by-hop headers, what the hosting platform and this
/// service add (forwarding, tracing, Azure front-end headers), and the service's own <c>X-Credentials-*</c> headers.
/// Back to the caller: the provider's headers, without hop-by-hop headers, cookies and caching headers (the answer is a
/// user's data, sent with <c>Cache-Control: no-store</c>).
/// </summary>
internal static class ProxyHeaders
{
    /// <summary>Names the API to call (a name or a position); never forwarded.</summary>
    public const string ApiHeader = "X-Credentials-Api";

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Authorization", "Cookie", "Cookie2", "Content-Length", "Expect", "Forwarded", "Max-Forwards", "Via",
        "traceparent", "tracestate", "baggage", "Request-Id", "Request-Context", "Correlation-Context", "x-correlation-id",
        "Client-IP", "Disguised-Host", "Origin", "Referer",
    };

    private static readonly string[] NotForwardedPrefixes =
    [
        "X-Forwarded-", "X-Original-", "X-Real-", "X-Client-", "X-ARR-", "X-MS-", "X-WAWS-", "X-Site-", "WAS-", "X-Functions-", "X-Credentials-", "X-AppService-",
    ];

    private static readonly HashSet<string> NotReturned = new(StringComparer.OrdinalIgnoreCase)
    {
        "Set-Cookie", "Set-Cookie2", "Cache-Control", "Pragma", "Expires", "Alt-Svc", "Strict-Transport-Security",
    };

    /// <summary>
    /// Copies the caller's forwardable headers onto the provider request; content headers go on its content. A header
    /// that carries the caller's own bearer token anywhere in its value is dropped too, whatever its name.
    /// </summary>
    public static void CopyToProvider(IHeaderDictionary from, HttpRequestMessage to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var named = ConnectionTokens(from.Connection);
        var callerToken = from.Authorization.ToString() is { Length: > 7 } authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization[7..].Trim()
            : null;
        foreach (var (name, values) in from)
        {
            if (HopByHop.Contains(name) || NotForwarded.Contains(name) || named.Contains(name)
                || NotForwardedPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                || (callerToken is { Length: > 0 } && values.Any(value => value?.Contains(callerToken, StringComparison.Ordinal) == true)))
            {
                continue;
            }

            if (!to.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                to.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
    }

    /// <summary>Copies the provider's returnable headers, its content headers included, onto the caller's response.</summary>
    public static void CopyToCaller(HttpResponseMessage from, HttpResponse to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var named = from.Headers.TryGetValues("Connection", out var connection) ? ConnectionTokens(new StringValues([.. connection])) : [];
        foreach (var (name, values) in from.Headers.Concat(from.Content.Headers))
        {
            if (!HopByHop.Contains(name) && !NotReturned.Contains(name) && !named.Contains(name))
            {
                to.Headers[name] = new StringValues([.. values]);
            }
        }
    }

    /// <summary>RFC 9110 §7.6.1: headers the sender named in <c>Connection</c> are hop-by-hop too.</summary>
    private static HashSet<string> ConnectionTokens(StringValues connection) =>
        new(connection.SelectMany(value => (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)),
            StringComparer.OrdinalIgnoreCase);
}
