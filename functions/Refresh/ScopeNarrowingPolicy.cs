using Credentials.Functions.Providers;

namespace Credentials.Functions.Refresh;

/// <summary>Whether a narrower token may be asked for, which resources it reaches beyond the grant, and whether the provider's answer is one to hand out.</summary>
internal static class ScopeNarrowingPolicy
{
    /// <summary>
    /// Null when a token of <paramref name="requested"/> may be asked for; otherwise the <see cref="ScopeFailureCodes"/>
    /// code. Within the grant any subset may be asked for. Beyond it only at a multi-resource provider, and only scopes of
    /// a resource the grant already names (a token for that resource carries what the stored token does) or of one
    /// listed in <see cref="ProviderDefinition.NarrowableResources"/>; which callers may reach a listed resource is
    /// <see cref="ResourcesBeyondGrant"/>'s question.
    /// </summary>
    public static string? Refusal(ProviderDefinition? provider, IReadOnlyList<string> granted, ScopeSet requested)
    {
        ArgumentNullException.ThrowIfNull(granted);
        ArgumentNullException.ThrowIfNull(requested);
        var mode = provider?.ScopeNarrowing ?? ScopeNarrowing.Unsupported;
        var beyond = requested.Scopes.Where(scope => !granted.Contains(scope, StringComparer.Ordinal)).ToList();
        if (beyond.Count == 0)
        {
            return mode == ScopeNarrowing.Unsupported ? ScopeFailureCodes.NarrowingUnsupported : null;
        }

        if (mode != ScopeNarrowing.MultiResource)
        {
            return ScopeFailureCodes.NotGranted;
        }

        var grantedResources = ResourcesOf(provider!, granted);
        foreach (var resource in beyond.Select(scope => ScopeResources.Of(scope, provider!.DefaultScopeResource)))
        {
            if (resource is null)
            {
                return ScopeFailureCodes.NotGranted;
            }

            if (!grantedResources.Contains(resource) && Listed(provider!, resource) is null)
            {
                return ScopeFailureCodes.ResourceNotNarrowable;
            }
        }

        return null;
    }

    /// <summary>
    /// The names of the listed resources <paramref name="requested"/> reaches that the grant's own scopes do not name:
    /// the caller needs a per-resource permission for each. Empty within the grant's resources, and at a provider that
    /// is not multi-resource. Asked only of a request <see cref="Refusal"/> lets through.
    /// </summary>
    public static IReadOnlyList<string> ResourcesBeyondGrant(ProviderDefinition? provider, IReadOnlyList<string> granted, ScopeSet requested)
    {
        ArgumentNullException.ThrowIfNull(granted);
        ArgumentNullException.ThrowIfNull(requested);
        if (provider?.ScopeNarrowing != ScopeNarrowing.MultiResource)
        {
            return [];
        }

        var grantedResources = ResourcesOf(provider, granted);
        return
        [
            .. requested.Scopes
                .Where(scope => !granted.Contains(scope, StringComparer.Ordinal))
                .Select(scope => ScopeResources.Of(scope, provider.DefaultScopeResource))
                .Where(resource => resource is not null && !grantedResources.Contains(resource))
                .Select(resource => Listed(provider, resource!)?.Name)
                .OfType<string>()
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal),
        ];
    }

    /// <summary>
    /// A subset provider's answer must not be broader than asked (an answer without <c>scope</c> is, per RFC 6749 §5.1,
    /// the scope asked for). A multi-resource provider (Entra) puts every consented scope of the resource in the token,
    /// which is its finest grain, so its answer may name more scopes, but only of the resources asked for.
    /// </summary>
    public static bool AnswerFits(ProviderDefinition? provider, ScopeSet requested, IReadOnlyList<string>? answered)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (answered is null)
        {
            return true;
        }

        if (provider?.ScopeNarrowing != ScopeNarrowing.MultiResource)
        {
            return answered.All(scope => requested.Scopes.Contains(scope, StringComparer.Ordinal));
        }

        var asked = ResourcesOf(provider, requested.Scopes);
        return answered.All(scope => ScopeResources.Of(scope, provider.DefaultScopeResource) is not { } resource || asked.Contains(resource));
    }

    private static HashSet<string> ResourcesOf(ProviderDefinition provider, IEnumerable<string> scopes) =>
        scopes.Select(scope => ScopeResources.Of(scope, provider.DefaultScopeResource)).OfType<string>().ToHashSet(ScopeResources.Comparer);

    private static NarrowableResource? Listed(ProviderDefinition provider, string resource) =>
        provider.NarrowableResources.FirstOrDefault(listed => ScopeResources.Comparer.Equals(listed.Resource, resource));
}
