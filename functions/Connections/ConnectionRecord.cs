using Credentials.Functions.Crypto;
using Credentials.Functions.Foundation;

namespace Credentials.Functions.Connections;

/// <summary>
/// One user's connection to one provider, as stored. Secrets are held only as envelopes (see <see cref="CredentialEnvelope"/>);
/// <see cref="ConnectionSecrets"/> turns them into plaintext and back. <see cref="ETag"/> is the version this copy was read at.
/// </summary>
public sealed record ConnectionRecord
{
    /// <summary>Logical name bound into every ciphertext of this record type.</summary>
    public const string SecretScope = "connections";

    public required string UserId { get; init; }

    public required string ConnectionId { get; init; }

    public required string ProviderId { get; init; }

    /// <summary>
    /// An OAuth grant, or a secret the user submitted (an API key, basic credentials). A secret is held where a grant keeps
    /// its refresh token (<see cref="RefreshTokenEnvelope"/>, the same envelope), is never refreshed, and has no access token.
    /// </summary>
    public CredentialKind Kind { get; init; } = CredentialKind.OAuth;

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public ConnectionStatus Status { get; init; } = ConnectionStatus.Active;

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? LastRefreshSucceededAt { get; init; }

    public DateTimeOffset? LastRefreshFailedAt { get; init; }

    /// <summary>Start of the current run of failed refreshes; null once one succeeds.</summary>
    public DateTimeOffset? FailingSince { get; init; }

    public int RefreshAttempts { get; init; }

    public int ConsecutiveFailures { get; init; }

    public string? LastErrorCode { get; init; }

    /// <summary>No refresh is tried before this instant (cooldown after failures).</summary>
    public DateTimeOffset? NextRefreshAllowedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>When the user last consented (connected or reconnected); null on records from before it was kept: <see cref="CreatedAt"/> stands in.</summary>
    public DateTimeOffset? GrantedAt { get; init; }

    /// <summary>The grant expiry an <c>expiring_soon</c> event was raised for, so each expiry is announced once.</summary>
    public DateTimeOffset? ExpiryNoticeFor { get; init; }

    public required byte[] RefreshTokenEnvelope { get; init; }

    public byte[]? AccessTokenEnvelope { get; init; }

    public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    public string? AccessTokenType { get; init; }

    /// <summary>The user's own API host the provider named in its last token response (Salesforce's instance), if any.</summary>
    public Uri? InstanceUrl { get; init; }

    /// <summary>
    /// The refresh flight holding the lease, and until when. The holder renews it (its heartbeat) for as long as it lives;
    /// an expired lease is taken over only as docs/refresh.md says (a silent holder, or inside a provider's reuse grace).
    /// </summary>
    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>When the holder took the lease: any refresh token it rotated was rotated after this.</summary>
    public DateTimeOffset? LeaseTakenAt { get; init; }

    /// <summary>The holder's last heartbeat (the lease taken or renewed): how long it has been silent.</summary>
    public DateTimeOffset? LeaseRenewedAt { get; init; }

    public string? ETag { get; init; }

    /// <summary>
    /// Set by an import: a hash of the refresh token that was handed over (never the token), so that the same import sent
    /// again is recognised without presenting that token, which the import rotated, to the provider a second time.
    /// </summary>
    public string? ImportFingerprint { get; init; }

    /// <summary>Callers' tags on this connection (<see cref="MetadataTags"/>): plaintext, never a secret.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = MetadataTags.None;

    /// <summary>Key version of the refresh-token envelope, which every write re-encrypts alongside the access token.</summary>
    public string KeyVersion => CredentialEnvelope.ReadKeyVersion(RefreshTokenEnvelope);

    public EncryptionContext ContextFor(SecretField field) => new(SecretScope, UserId, ConnectionId, field);

    // The record's state transitions. Each is pure (a new copy, nothing stored); the caller persists the result with the
    // status event it causes (ConnectionStatusEvent.Between) and then audits and logs it.

    /// <summary>
    /// The record after the provider issued fresh tokens (a refresh or a reconnect): active, every failure and cooldown
    /// forgotten, the lease released. The caller still puts the new tokens in.
    /// </summary>
    public ConnectionRecord Healthy(DateTimeOffset now) => this with
    {
        Status = ConnectionStatus.Active,
        UpdatedAt = now,
        LastRefreshSucceededAt = now,
        ConsecutiveFailures = 0,
        FailingSince = null,
        LastErrorCode = null,
        NextRefreshAllowedAt = null,
        LeaseOwner = null,
        LeaseExpiresAt = null,
        LeaseTakenAt = null,
        LeaseRenewedAt = null,
    };

    /// <summary>
    /// A refresh succeeded: healthy, one more attempt counted, the scopes the provider granted and its instance URL
    /// (each kept when it did not say).
    /// </summary>
    public ConnectionRecord Refreshed(DateTimeOffset now, IReadOnlyList<string>? grantedScopes, Uri? instanceUrl = null) => Healthy(now) with
    {
        RefreshAttempts = RefreshAttempts + 1,
        Scopes = grantedScopes ?? Scopes,
        InstanceUrl = instanceUrl ?? InstanceUrl,
    };

    /// <summary>Held for a refresh by <paramref name="owner"/> from <paramref name="now"/> until <paramref name="expiresAt"/>.</summary>
    public ConnectionRecord LeasedTo(string owner, DateTimeOffset now, DateTimeOffset expiresAt) =>
        this with { LeaseOwner = owner, LeaseTakenAt = now, LeaseRenewedAt = now, LeaseExpiresAt = expiresAt };

    /// <summary>
    /// Taken over from a holder that did not finish: whatever it rotated, it rotated after the first holder of this chain
    /// took the lease, so <see cref="LeaseTakenAt"/> stays the first one's and a provider's reuse grace is counted from it.
    /// </summary>
    public ConnectionRecord TakenOverBy(string owner, DateTimeOffset now, DateTimeOffset expiresAt) =>
        LeasedTo(owner, now, expiresAt) with { LeaseTakenAt = LeaseTakenAt ?? now };

    /// <summary>The holder's heartbeat at <paramref name="now"/>: still alive, the lease runs until <paramref name="expiresAt"/>.</summary>
    public ConnectionRecord LeaseRenewed(DateTimeOffset now, DateTimeOffset expiresAt) => this with { LeaseRenewedAt = now, LeaseExpiresAt = expiresAt };

    public ConnectionRecord Released() => this with { LeaseOwner = null, LeaseExpiresAt = null, LeaseTakenAt = null, LeaseRenewedAt = null };

    /// <summary>
    /// Whether <paramref name="basis"/> is a lease its holder took over from another holder (it started before
    /// <paramref name="leasedAt"/>, this holder's own start): that other holder may still be alive with a rotated refresh
    /// token it has not stored yet.
    /// </summary>
    public static bool IsTakenOverLease(ConnectionRecord basis, DateTimeOffset leasedAt) =>
        basis is { LeaseOwner: not null, LeaseTakenAt: { } takenAt } && takenAt < leasedAt;

    /// <summary>
    /// An outcome without a new refresh token, written under a lease taken over from another holder: the lease stays as
    /// <paramref name="basis"/> has it (silent from now on), so the chain's first start and the silence rule keep guarding
    /// the stored token, which the earlier holder may have rotated. Released, the next flight would present it at once.
    /// </summary>
    public ConnectionRecord KeepingTakenOverLease(ConnectionRecord basis, DateTimeOffset leasedAt) =>
        IsTakenOverLease(basis, leasedAt)
            ? this with { LeaseOwner = basis.LeaseOwner, LeaseTakenAt = basis.LeaseTakenAt, LeaseRenewedAt = basis.LeaseRenewedAt, LeaseExpiresAt = basis.LeaseExpiresAt }
            : this;

    /// <summary>
    /// The provider refused the stored refresh token (<c>invalid_grant</c>): only the user can restore the connection, and
    /// the cached access token is dropped with the grant.
    /// </summary>
    public ConnectionRecord GrantLost(DateTimeOffset now, string errorCode) => Released() with
    {
        Status = ConnectionStatus.ReauthorizationRequired,
        UpdatedAt = now,
        LastRefreshFailedAt = now,
        LastErrorCode = errorCode,
        AccessTokenEnvelope = null,
        AccessTokenExpiresAt = null,
        AccessTokenType = null,
    };

    /// <summary>
    /// The provider refused this service's own client: status and failure count stay (the user's grant did not fail);
    /// refreshing pauses until <paramref name="retryAt"/>.
    /// </summary>
    public ConnectionRecord ClientRefused(DateTimeOffset now, string errorCode, DateTimeOffset retryAt) => Released() with
    {
        UpdatedAt = now,
        LastRefreshFailedAt = now,
        LastErrorCode = errorCode,
        NextRefreshAllowedAt = retryAt,
    };

    /// <summary>A refresh failed for a reason that may pass (the provider was unavailable, or rejected the request).</summary>
    /// <param name="status">The status the failure run has reached (see the refresh failure policy).</param>
    /// <param name="failures">Consecutive failures, this one included.</param>
    /// <param name="failingSince">When the run of failures began, if this record does not know yet.</param>
    /// <param name="retryAt">No refresh before this instant.</param>
    public ConnectionRecord RefreshFailed(DateTimeOffset now, string errorCode, ConnectionStatus status, int failures, DateTimeOffset failingSince,
        DateTimeOffset retryAt) => Released() with
        {
            Status = status,
            UpdatedAt = now,
            LastRefreshFailedAt = now,
            FailingSince = FailingSince ?? failingSince,
            ConsecutiveFailures = failures,
            LastErrorCode = errorCode,
            NextRefreshAllowedAt = retryAt,
        };
}
