namespace Credentials.Functions.Providers;

/// <summary>
/// A resource beyond a connection's grant that callers may ask a multi-resource provider (Entra) for a token of, under
/// <see cref="Name"/>: the name is what a caller's per-resource Authress grant names (docs/authorization.md).
/// </summary>
public sealed record NarrowableResource(string Name, string Resource);

/// <summary>
/// Which resource a scope belongs to, as a multi-resource provider reads it: the part before the last <c>/</c>
/// (<c>https://management.azure.com/user_impersonation</c> and <c>https://management.azure.com//.default</c> are both
/// <c>https://management.azure.com</c>), or, for a scope without one, the provider's default resource (Entra's short
/// scopes such as <c>Mail.Read</c> are Microsoft Graph's). OpenID Connect's own scopes belong to no resource.
/// </summary>
public static class ScopeResources
{
    /// <summary>The resource of short scopes at a provider without a default resource of its own.</summary>
    public const string Unnamed = "";

    private static readonly HashSet<string> OpenIdScopes = new(StringComparer.Ordinal) { "openid", "profile", "email", "offline_access" };

    /// <summary>Resource identifiers compare case-insensitively (they are URIs or application ids), and without a trailing slash.</summary>
    public static StringComparer Comparer => StringComparer.OrdinalIgnoreCase;

    /// <summary>The resource <paramref name="scope"/> belongs to; null for an OpenID Connect scope, which names none.</summary>
    public static string? Of(string scope, string? defaultResource)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (OpenIdScopes.Contains(scope))
        {
            return null;
        }

        var slash = scope.LastIndexOf('/');
        return slash > 0 ? Normalize(scope[..slash]) : defaultResource ?? Unnamed;
    }

    public static string Normalize(string resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.TrimEnd('/');
    }

    /// <summary>
    /// <c>Providers:&lt;id&gt;:NarrowableResources:&lt;name&gt;</c> = a resource identifier. Names are what Authress grants
    /// name, so they follow the API-name rule; a resource may be listed once. Bad entries are added to
    /// <paramref name="failures"/> with their setting name.
    /// </summary>
    public static IReadOnlyList<NarrowableResource> Build(IReadOnlyDictionary<string, string>? settings, bool multiResource,
        Func<string, string> settingName, ICollection<string> failures)
    {
        ArgumentNullException.ThrowIfNull(settingName);
        ArgumentNullException.ThrowIfNull(failures);
        var resources = new List<NarrowableResource>();
        foreach (var (name, value) in (settings ?? new Dictionary<string, string>()).OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var resource = Normalize(value ?? string.Empty);
            if (!multiResource)
            {
                failures.Add($"{settingName(name)} is only for a provider whose ScopeNarrowing is MultiResource.");
            }
            else if (!IsName(name) || resource.Length == 0 || !ProviderDefinitionBuilder.IsScopeToken(resource))
            {
                failures.Add($"{settingName(name)} must be a resource identifier (e.g. https://management.azure.com: printable, no spaces, quotes or "
                    + "backslashes) under a name of 1-64 letters, digits, '-' or '_'.");
            }
            else if (resources.Any(listed => Comparer.Equals(listed.Resource, resource)))
            {
                failures.Add($"{settingName(name)}: the resource '{resource}' is listed under another name already.");
            }
            else
            {
                resources.Add(new NarrowableResource(name, resource));
            }
        }

        return resources;
    }

    private static bool IsName(string name) => name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
