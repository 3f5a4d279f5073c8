using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Credentials.Functions.Proxy;

/// <summary>
/// Where a proxied request goes: the chosen API's base URL, then the caller's path exactly as sent (still
/// percent-encoded), then its query. Anything that could leave the base URL is refused before a request is made: dot
/// segments (also encoded), encoded slashes or backslashes, empty segments (<c>//host</c>), a scheme or port in the first
/// segment (an absolute URL), and characters a URL path cannot hold; so is anything a server could read as another path
/// than the one checked: a double encoding (<c>%25</c>) and matrix parameters (<c>;</c>, also encoded).
/// </summary>
internal static partial class ProxyTarget
{
    public const int MaxPathLength = 4096;

    /// <summary>The route's fixed part for a connection; what follows it is the caller's path.</summary>
    public static string Prefix(string userId, string connectionId) => $"/api/proxy/users/{userId}/connections/{connectionId}/";

    /// <summary>
    /// The caller's path after <see cref="Prefix"/>, as it came on the wire (the raw request target when the host
    /// keeps it, else the path re-encoded), and the raw query with its <c>?</c>; null when the path is not under the prefix.
    /// </summary>
    public static (string Path, string Query)? RawPathAndQuery(HttpRequest request, string prefix)
    {
        ArgumentNullException.ThrowIfNull(request);
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            raw = request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        }

        var queryAt = raw.IndexOf('?', StringComparison.Ordinal);
        var path = queryAt < 0 ? raw : raw[..queryAt];
        var query = queryAt < 0 ? string.Empty : raw[queryAt..];
        if (path.Length == prefix.Length - 1 && prefix.StartsWith(path, StringComparison.Ordinal))
        {
            return (string.Empty, query);
        }

        return path.StartsWith(prefix, StringComparison.Ordinal) ? (path[prefix.Length..], query) : null;
    }

    /// <summary>The provider URL, or null with why the path was refused.</summary>
    public static Uri? Resolve(Uri baseUrl, string path, string query, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        refusal = PathRefusal(path) ?? QueryRefusal(query);
        if (refusal is not null)
        {
            return null;
        }

        var target = new Uri($"{baseUrl.Scheme}://{baseUrl.Authority}{baseUrl.AbsolutePath.TrimEnd('/')}/{path}{query}", UriKind.Absolute);
        // Belt and braces: whatever the checks above missed, the target must still be the base URL's origin and path.
        if (!IsWithin(baseUrl, target))
        {
            refusal = "The path leaves the provider API's base URL.";
            return null;
        }

        return target;
    }

    /// <summary>Whether <paramref name="location"/> (a redirect) stays within the API; if so, the same place through the proxy.</summary>
    public static string? ThroughProxy(Uri baseUrl, Uri target, Uri location, string prefix)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var absolute = location.IsAbsoluteUri ? location : new Uri(target, location);
        if (!IsWithin(baseUrl, absolute))
        {
            return null;
        }

        var basePath = baseUrl.AbsolutePath.TrimEnd('/') + "/";
        var rest = absolute.AbsolutePath.Length >= basePath.Length ? absolute.AbsolutePath[basePath.Length..] : string.Empty;
        return prefix + rest + absolute.Query;
    }

    /// <summary>Same scheme and host and port as <paramref name="baseUrl"/>, and a path at or under its path.</summary>
    internal static bool IsWithin(Uri baseUrl, Uri url) =>
        string.Equals(url.Scheme, baseUrl.Scheme, StringComparison.Ordinal)
        && string.Equals(url.Authority, baseUrl.Authority, StringComparison.OrdinalIgnoreCase)
        && (url.AbsolutePath + "/").StartsWith(baseUrl.AbsolutePath.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static string? PathRefusal(string path)
    {
        if (path.Length > MaxPathLength)
        {
            return $"The path is longer than {MaxPathLength} characters.";
        }

        if (path.Length == 0)
        {
            return null;
        }

        if (path.Any(c => !IsPathCharacter(c)))
        {
            return "The path holds a character a URL path cannot (a backslash, a space, a control or non-ASCII character).";
        }

        var segments = path.Split('/');
        if (segments[0].Contains(':', StringComparison.Ordinal))
        {
            return "The path starts like an absolute URL; name an API (X-Credentials-Api), never a host.";
        }

        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0 && i < segments.Length - 1)
            {
                return "The path has an empty segment ('//').";
            }

            // Servers and frameworks disagree on what these mean, so the provider could read another path than the one
            // checked and audited: a '%25' decodes to a '%' that a second decoding turns into anything (a slash, a dot), and
            // ';' starts matrix parameters that some servers strip before routing (Tomcat, Spring) and others keep. Under
            // the Functions host a caller's %2F reaches the worker as %252F (Kestrel keeps %2F undecoded and the host's
            // forwarder encodes its '%'), so this also refuses it there (docs/architecture.md, "Two hosts").
            if (segment.Contains(';', StringComparison.Ordinal) || AmbiguousEncoding().IsMatch(segment))
            {
                return "The path has a ';' (matrix parameters) or an encoded '%' or ';' (double encoding), which servers read differently.";
            }

            if (!TryDecode(segment, out var decoded))
            {
                return "The path has a malformed percent-encoding.";
            }

            if (decoded is "." or ".." || decoded.Any(c => c is '/' or '\\' || char.IsControl(c)))
            {
                return "The path has a dot segment, or an encoded slash, backslash or control character.";
            }
        }

        return null;
    }

    private static string? QueryRefusal(string query) =>
        query.Length > MaxPathLength ? $"The query is longer than {MaxPathLength} characters."
        : query.Skip(1).Any(c => !IsPathCharacter(c) && c is not '?') ? "The query holds a character a URL cannot."
        : null;

    // RFC 3986 pchar (unreserved, sub-delims, ':', '@', pct-encoded) and '/'.
    private static bool IsPathCharacter(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@' or '/' or '%';

    private static bool TryDecode(string segment, out string decoded)
    {
        decoded = segment;
        for (var i = segment.IndexOf('%', StringComparison.Ordinal); i >= 0; i = segment.IndexOf('%', i + 1))
        {
            if (i + 2 >= segment.Length || !byte.TryParse(segment.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _))
            {
                return false;
            }
        }

        decoded = Uri.UnescapeDataString(segment);
        return true;
    }

    [GeneratedRegex("%(25|3[bB])")]
    private static partial Regex AmbiguousEncoding();
}
