using Credentials.Functions.Crypto;

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

    public required byte[] RefreshTokenEnvelope { get; init; }

    public byte[]? AccessTokenEnvelope { get; init; }

    public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    public string? AccessTokenType { get; init; }

    /// <summary>Instance holding the refresh lease, and until when; a crashed holder's lease simply runs out.</summary>
    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    public string? ETag { get; init; }

    /// <summary>Key version of the refresh-token envelope, which every write re-encrypts alongside the access token.</summary>
    public string KeyVersion => CredentialEnvelope.ReadKeyVersion(RefreshTokenEnvelope);

    public EncryptionContext ContextFor(SecretField field) => new(SecretScope, UserId, ConnectionId, field);

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
    };
}
