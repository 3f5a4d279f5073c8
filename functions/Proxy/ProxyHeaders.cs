using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Credentials.Functions.Proxy;

/// <summary>
/// Which headers cross the proxy. Towards the provider: the caller's own headers, without its credentials (the
/// <c>Authorization</c> the caller authenticated with, cookies), hop-by-hop headers, what the hosting platform and this
/// service add (forwarding, tracing, Azure front-end headers), and the service's own <c>X-Credentials-*</c> headers.
/// Never forwarded either: method-override headers. Back to the caller: the provider's headers, without hop-by-hop
/// headers, cookies, caching headers (the answer is a user's data, sent with <c>Cache-Control: no-store</c>) and
/// <c>Access-Control-*</c> headers.
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
        // Method overrides: the method the provider executes must be the one that was authorized and audited.
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
    };

    private static readonly string[] NotForwardedPrefixes =
    [
        "X-Forwarded-", "X-Original-", "X-Real-", "X-Client-", "X-ARR-", "X-MS-", "X-WAWS-", "X-Site-", "WAS-", "X-Functions-", "X-Credentials-", "X-AppService-",
    ];

    private static readonly HashSet<string> NotReturned = new(StringComparer.OrdinalIgnoreCase)
    {
        "Set-Cookie", "Set-Cookie2", "Cache-Control", "Pragma", "Expires", "Alt-Svc", "Strict-Transport-Security",
        "X-Content-Type-Options", "Content-Security-Policy", "Content-Security-Policy-Report-Only",
    };

    /// <summary>
    /// The provider's CORS answer is about the provider's origin, never this service's: a browser must not be told it may
    /// read a user's data from here.
    /// </summary>
    private const string NotReturnedPrefix = "Access-Control-";

    /// <summary>Salesforce's query parameter that makes a POST act as another method; refused, never forwarded.</summary>
    public const string MethodOverrideParameter = "_HttpMethod";

    /// <summary>True when the raw query (without its '?') names a method-override parameter, however it is encoded.</summary>
    public static bool HasMethodOverride(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        foreach (var pair in query.Split('&'))
        {
            var name = pair.Split('=', 2)[0].Replace('+', ' ');
            try
            {
                name = Uri.UnescapeDataString(name);
            }
            catch (UriFormatException)
            {
                // Malformed encodings are refused by the target check; compare the name as it is.
            }

            if (string.Equals(name.Trim(), MethodOverrideParameter, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

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

    /// <summary>
    /// Copies the provider's returnable headers, its content headers included, onto the caller's response, and hardens
    /// it: <c>X-Content-Type-Options: nosniff</c> and <c>Content-Security-Policy: sandbox</c>, so an answer opened in a
    /// browser is never sniffed into or run as a page of this service's origin.
    /// </summary>
    public static void CopyToCaller(HttpResponseMessage from, HttpResponse to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var named = from.Headers.TryGetValues("Connection", out var connection) ? ConnectionTokens(new StringValues([.. connection])) : [];
        foreach (var (name, values) in from.Headers.Concat(from.Content.Headers))
        {
            if (!HopByHop.Contains(name) && !NotReturned.Contains(name) && !named.Contains(name)
                && !name.StartsWith(NotReturnedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                to.Headers[name] = new StringValues([.. values]);
            }
        }

        to.Headers.XContentTypeOptions = "nosniff";
        to.Headers.ContentSecurityPolicy = "sandbox";
    }

    /// <summary>RFC 9110 §7.6.1: headers the sender named in <c>Connection</c> are hop-by-hop too.</summary>
    private static HashSet<string> ConnectionTokens(StringValues connection) =>
        new(connection.SelectMany(value => (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)),
            StringComparer.OrdinalIgnoreCase);
}
