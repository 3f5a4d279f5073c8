namespace Credentials.Functions.Providers;

/// <summary>
/// One API of a provider that the proxy may call with a connection's token, named for callers (they pick it by
/// <see cref="Name"/> or by position, never by host). <see cref="BaseUrl"/> has no trailing slash; null means the
/// connection's own instance URL, from the provider's token response (<see cref="ProviderDefinition.InstanceUrlParameter"/>).
/// </summary>
public sealed record ProviderApi(string Name, Uri? BaseUrl)
{
    public const string DefaultName = "default";

    public const string InstanceName = "instance";

    /// <summary>
    /// The provider's APIs: the preset's, then <c>Providers:&lt;id&gt;:ApiBaseUrls:&lt;name&gt;</c> (a setting of the same
    /// name replaces the preset's; numeric names sort by number, so an array in settings keeps its order). Bad URLs are
    /// added to <paramref name="failures"/> with their setting name.
    /// </summary>
    public static IReadOnlyList<ProviderApi> Build(IReadOnlyDictionary<string, string> preset, IReadOnlyDictionary<string, string>? settings,
        Func<string, string> settingName, ICollection<string> failures)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(settingName);
        ArgumentNullException.ThrowIfNull(failures);
        var apis = new List<ProviderApi>();
        foreach (var (name, url) in preset.Concat((settings ?? new Dictionary<string, string>()).OrderBy(pair => pair.Key, NumericFirst.Instance)))
        {
            if (!IsName(name) || !Uri.TryCreate(url.TrimEnd('/'), UriKind.Absolute, out var baseUrl) || !IsBaseUrl(baseUrl))
            {
                failures.Add($"{settingName(name)} must be an https URL (http only on a loopback host) without query, fragment or user info, under a name of letters, digits, '-' or '_'.");
                continue;
            }

            apis.RemoveAll(api => string.Equals(api.Name, name, StringComparison.Ordinal));
            apis.Add(new ProviderApi(name, baseUrl));
        }

        return apis;
    }

    /// <summary>
    /// The API a caller named (a name, or a position from 0); when none is named, the one named <c>default</c>, else the
    /// first. Null when there is no such API.
    /// </summary>
    public static ProviderApi? Select(IReadOnlyList<ProviderApi> apis, string? requested)
    {
        ArgumentNullException.ThrowIfNull(apis);
        if (string.IsNullOrEmpty(requested))
        {
            return apis.FirstOrDefault(api => api.Name == DefaultName) ?? (apis.Count > 0 ? apis[0] : null);
        }

        return apis.FirstOrDefault(api => string.Equals(api.Name, requested, StringComparison.Ordinal))
            ?? (requested.All(char.IsAsciiDigit) && requested.Length <= 3 && int.Parse(requested, System.Globalization.CultureInfo.InvariantCulture) is var index
                && index < apis.Count ? apis[index] : null);
    }

    private static bool IsName(string name) => name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>
    /// An instance URL from a token response, when it is an https origin (http only on loopback) on one of
    /// <paramref name="hosts"/> (exact, or a suffix starting with a dot); otherwise null.
    /// </summary>
    public static Uri? InstanceUrl(string? value, IReadOnlyList<string> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        return Uri.TryCreate(value?.TrimEnd('/'), UriKind.Absolute, out var url) && IsBaseUrl(url) && url.AbsolutePath == "/"
            && hosts.Any(host => host.StartsWith('.') ? url.Host.EndsWith(host, StringComparison.OrdinalIgnoreCase) : string.Equals(url.Host, host, StringComparison.OrdinalIgnoreCase))
                ? url
                : null;
    }

    private static bool IsBaseUrl(Uri url) =>
        ProviderDefinitionBuilder.IsAllowedEndpoint(url) && url.Query.Length == 0 && !url.OriginalString.Contains('?', StringComparison.Ordinal)
        && !url.AbsolutePath.Contains("/../", StringComparison.Ordinal);

    private sealed class NumericFirst : IComparer<string>
    {
        public static readonly NumericFirst Instance = new();

        public int Compare(string? x, string? y) =>
            int.TryParse(x, out var a) && int.TryParse(y, out var b) ? a.CompareTo(b) : string.CompareOrdinal(x, y);
    }
}
