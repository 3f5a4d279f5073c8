namespace Credentials.Functions.Providers;

/// <summary>
/// Paths of a provider's APIs that the proxy never calls, whatever the caller's permission: the provider's OAuth,
/// session and credential-minting endpoints, through which a caller that may only act could take (or end) the grant.
/// A rule is a path relative to the API's base URL, optionally after methods (<c>POST user/keys</c>,
/// <c>POST,DELETE user/keys</c>); <c>*</c> is any one segment, and a rule covers everything under it. Segments compare
/// percent-decoded and case-insensitively. The preset's rules always apply; <c>Providers:&lt;id&gt;:ApiPathDeny:N</c>
/// adds more (docs/proxy.md).
/// </summary>
public sealed class ApiPathPolicy
{
    private readonly List<(string[]? Methods, string[] Segments, string Rule)> _rules = [];

    public static ApiPathPolicy None { get; } = new();

    /// <summary>The rules as written, for documentation and diagnostics.</summary>
    public IEnumerable<string> Rules => _rules.Select(rule => rule.Rule);

    /// <summary>The policy of <paramref name="rules"/>; a malformed rule is added to <paramref name="failures"/> under its setting name.</summary>
    public static ApiPathPolicy Build(IEnumerable<string> rules, Func<int, string> settingName, ICollection<string> failures)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(settingName);
        ArgumentNullException.ThrowIfNull(failures);
        var policy = new ApiPathPolicy();
        var index = 0;
        foreach (var rule in rules)
        {
            var parts = rule.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var methods = parts.Length == 2 ? parts[0].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
            var segments = (parts.Length == 2 ? parts[1] : parts.FirstOrDefault() ?? string.Empty).Trim('/').Split('/');
            if (segments.Any(segment => segment.Length == 0) || methods?.Any(method => !method.All(char.IsAsciiLetterUpper)) == true)
            {
                failures.Add($"{settingName(index)} must be a path under the API's base URL ('*' for one segment), optionally after methods ('POST user/keys').");
            }
            else
            {
                policy._rules.Add((methods, segments, rule.Trim()));
            }

            index++;
        }

        return policy;
    }

    /// <summary>The rule that refuses <paramref name="method"/> on <paramref name="rawPath"/> (relative, still percent-encoded), or null.</summary>
    public string? Refusal(string method, string rawPath)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(rawPath);
        var path = rawPath.Trim('/').Split('/').Select(Decode).ToArray();
        foreach (var (methods, segments, rule) in _rules)
        {
            if ((methods is null || methods.Contains(method, StringComparer.OrdinalIgnoreCase)) && segments.Length <= path.Length
                && segments.Select((segment, i) => segment == "*" || string.Equals(segment, path[i], StringComparison.OrdinalIgnoreCase)).All(match => match))
            {
                return rule;
            }
        }

        return null;
    }

    private static string Decode(string segment)
    {
        try
        {
            return Uri.UnescapeDataString(segment).Trim();
        }
        catch (UriFormatException)
        {
            return segment;
        }
    }
}
