using Credentials.Functions.Connections;

namespace Credentials.Functions.Refresh;

/// <summary>
/// What a caller asks for: an access token of one connection that stays valid at least <see cref="MinValidity"/>.
/// <see cref="AllowedBecause"/> is the authorization decision's reason, recorded in the hand-out's audit event.
/// </summary>
public sealed record AccessTokenRequest(ConnectionKey Connection, TimeSpan MinValidity, string CallerId, string CorrelationId, string? AllowedBecause = null)
{
    public static readonly TimeSpan MaxMinValidity = TimeSpan.FromHours(1);
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
