
namespace Credentials.Functions.Refresh;

/// <summary>
/// What a refresh must achieve for one connection. The condition is re-checked against the stored record under the lease,
/// so a refresh another caller or instance already made is used instead of repeated.
/// </summary>
/// <param name="MinValidity">The access token must stay valid this long.</param>
/// <param name="RefreshedSince">Keep-alive: also refresh unless the last successful refresh is at or after this instant.</param>
/// <param name="Trigger">Who asked, for the audit log: the caller id, or <c>maintenance</c>.</param>
/// <param name="KnownRecord">
/// A copy of the record the caller has just read (the maintenance walk's page), used for the first round instead of a
/// point read. Every write that follows is conditional on its ETag, so a stale copy costs one rejected write and a
/// fresh read, never a wrong result.
/// </param>
/// <param name="NarrowTo">
/// A token of these scopes only (RFC 6749 §6), handed to the caller and never stored; the refresh still runs under the
/// connection's lease and stores a rotated refresh token. Null: refresh the stored token.
/// </param>
/// <param name="Deferrable">
/// Maintenance: the provider call waits for a later lap once only the callers' share of the provider's rate-limit
/// window is left (<see cref="Providers.ProviderRateGovernor"/>).
/// </param>
public sealed record RefreshDemand(
    Connections.ConnectionKey Connection,
    TimeSpan MinValidity,
    DateTimeOffset? RefreshedSince,
    string Trigger,
    string CorrelationId,
    Connections.ConnectionRecord? KnownRecord = null,
    ScopeSet? NarrowTo = null,
    bool Deferrable = false);

/// <summary>
/// A refresh that succeeded: the stored record, whose access token satisfies the demand. <see cref="Refreshed"/> is true
/// only for the caller whose call made the provider request (not for callers that joined it, nor when the stored token
/// already satisfied the demand). <see cref="Narrowed"/> is the narrower token a <see cref="RefreshDemand.NarrowTo"/>
/// demand asked for.
/// </summary>
public sealed record UsableRecord(Connections.ConnectionRecord Record, bool Refreshed, Providers.TokenGrant? Narrowed = null);

/// <summary>
/// Why a refresh produced no usable token, when to try again, and the provider's error code if it gave one.
/// <see cref="Record"/> is the connection as the failure left it in the store (cooling down, marked for reauthorization,
/// released), which maintenance goes on with (re-encryption, expiry notices); null when there is none (not found) or the
/// flight never held it (busy, rate-limited before the provider was asked).
/// </summary>
public sealed record RefreshFailure(TokenFailureReason Reason, Connections.ConnectionRecord? Record, TimeSpan? RetryAfter = null, string? ErrorCode = null)
{
    /// <summary>The connection is gone (never stored, or deleted during the refresh).</summary>
    public static RefreshFailure NotFound { get; } = new(TokenFailureReason.NotFound, null);

    /// <summary>No answer within the flight's rounds (another holder's lease, conflicting writes): ask again in a second.</summary>
    public static RefreshFailure Busy { get; } = new(TokenFailureReason.Busy, null, TimeSpan.FromSeconds(1));

    /// <summary>The same reason, retry time and error code, as the token read answers them.</summary>
    public AccessTokenFailure ForCaller() => new(Reason, RetryAfter, ErrorCode);
}
