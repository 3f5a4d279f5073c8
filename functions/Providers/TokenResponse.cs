namespace Credentials.Functions.Providers;

/// <summary>
/// Tokens a provider issued. <see cref="RefreshToken"/> is null when the provider kept the old one (no rotation);
/// <see cref="InstanceUrl"/> is the user's own API host where the provider names one (Salesforce); <see cref="Account"/>
/// names the account that consented where an ID token came with the tokens.
/// </summary>
public sealed record TokenGrant(
    string AccessToken,
    string TokenType,
    DateTimeOffset AccessTokenExpiresAt,
    string? RefreshToken,
    IReadOnlyList<string>? GrantedScopes,
    Uri? InstanceUrl = null,
    string? Account = null)
{
    public override string ToString() => $"TokenGrant {{ TokenType = {TokenType}, ExpiresAt = {AccessTokenExpiresAt:O} }}";
}

public enum TokenFailureKind
{
    /// <summary>The code or refresh token is no longer valid (<c>invalid_grant</c> or the provider's equivalent).</summary>
    InvalidGrant,

    /// <summary>The provider refused for another reason (bad client credentials, bad request): retrying will not help.</summary>
    Rejected,

    /// <summary>5xx, 429, timeout or network failure: worth retrying later.</summary>
    Unavailable,

    /// <summary>
    /// The provider refused this service's own client (<c>invalid_client</c>, <c>unauthorized_client</c>): an expired
    /// client secret or an unresolved setting. Not the user's grant's fault, so no connection changes status for it.
    /// </summary>
    Misconfigured,
}

/// <summary>Why a token request failed. <see cref="ErrorCode"/> is the provider's OAuth error code, safe to store and show.</summary>
public sealed record TokenFailure(TokenFailureKind Kind, string ErrorCode, TimeSpan? RetryAfter = null);

