using Credentials.Functions.Connections;

namespace Credentials.Functions.Refresh;

/// <summary>
/// What a caller asks for: an access token of one connection that stays valid at least <see cref="MinValidity"/>.
/// <see cref="AllowedBecause"/> is the authorization decision's reason, recorded in the hand-out's audit event.
/// <see cref="Renew"/>: the caller's API rejected the token it holds (revoked or expired early), so refresh unless the
/// connection was refreshed within <see cref="RenewWindow"/> (many callers reporting one rejected token cause one refresh).
/// </summary>
public sealed record AccessTokenRequest(ConnectionKey Connection, TimeSpan MinValidity, string CallerId, string CorrelationId, string? AllowedBecause = null, bool Renew = false)
{
    public static readonly TimeSpan MaxMinValidity = TimeSpan.FromHours(1);

    public static readonly TimeSpan RenewWindow = TimeSpan.FromSeconds(30);
}

/// <summary>Why a token request or refresh did not produce a token; the HTTP layer maps each to a problem code.</summary>
public enum TokenFailureReason
{
    NotFound,
    ReauthorizationRequired,
    ProviderUnavailable,
    ProviderRejected,
    Busy,
}

/// <summary>An access token to hand out (never the refresh token).</summary>
public sealed record IssuedAccessToken(string AccessToken, string TokenType, DateTimeOffset ExpiresAt, IReadOnlyList<string> Scopes, string ProviderId)
{
    public override string ToString() => $"IssuedAccessToken {{ TokenType = {TokenType}, ExpiresAt = {ExpiresAt:O}, ProviderId = {ProviderId} }}";
}

/// <summary>Why there is no token, when to try again, and the provider's error code if it gave one.</summary>
public sealed record AccessTokenFailure(TokenFailureReason Reason, TimeSpan? RetryAfter = null, string? ErrorCode = null);
