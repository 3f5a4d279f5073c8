using Credentials.Functions.Providers;

namespace Credentials.Functions.Refresh;

/// <summary>Whether a narrower token may be asked for, and whether the provider's answer is one to hand out.</summary>
internal static class ScopeNarrowingPolicy
{
    /// <summary>Null when a token of <paramref name="requested"/> may be asked for; otherwise the <see cref="ScopeFailureCodes"/> code.</summary>
    public static string? Refusal(ProviderDefinition? provider, IReadOnlyList<string> granted, ScopeSet requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        var mode = provider?.ScopeNarrowing ?? ScopeNarrowing.Unsupported;
        var allowed = requested.IsWithin(granted)
            || (mode == ScopeNarrowing.MultiResource && requested.Scopes.All(scope => granted.Contains(scope, StringComparer.Ordinal) || provider!.AllowsScope(scope)));
        return !allowed ? ScopeFailureCodes.NotGranted
            : mode == ScopeNarrowing.Unsupported ? ScopeFailureCodes.NarrowingUnsupported
            : null;
    }

    /// <summary>
    /// A subset provider's answer must not be broader than asked (an answer without <c>scope</c> is, per RFC 6749 §5.1,
    /// the scope asked for). A multi-resource provider (Entra) puts every consented scope of the resource in the token,
    /// which is its finest grain, so its answer is taken as stated.
    /// </summary>
    public static bool AnswerFits(ProviderDefinition? provider, ScopeSet requested, IReadOnlyList<string>? answered)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return provider?.ScopeNarrowing == ScopeNarrowing.MultiResource
            || answered is null
            || answered.All(scope => requested.Scopes.Contains(scope, StringComparer.Ordinal));
    }
}
