namespace Credentials.Functions.Providers;

/// <summary>Whether a provider can issue an access token for fewer scopes than the grant (RFC 6749 §6 <c>scope</c> on a refresh).</summary>
public enum ScopeNarrowing
{
    /// <summary>It cannot, or does not document it: a narrower token is refused, never answered with the full one.</summary>
    Unsupported,

    /// <summary>A refresh with <c>scope</c> returns a token for exactly that subset of the grant.</summary>
    Subset,

    /// <summary>
    /// Microsoft Entra: one refresh token yields tokens for any resource the user consented to (multi-resource refresh
    /// tokens), so a scope beyond the stored grant may be asked for when the provider's settings allow it. Entra decides
    /// per resource and puts every consented scope of that resource in the token.
    /// </summary>
    MultiResource,
}
