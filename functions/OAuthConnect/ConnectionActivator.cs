using System.Security.Cryptography;
using System.Text;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Functions.Providers;
using Credentials.Functions.Refresh;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.OAuthConnect;

/// <summary>Tokens a provider issued for a connection, in plaintext for as short as possible.</summary>
public sealed record IssuedTokens(string RefreshToken, string? AccessToken, DateTimeOffset? AccessTokenExpiresAt, string? AccessTokenType, Uri? InstanceUrl = null)
{
    public override string ToString() => $"IssuedTokens {{ AccessTokenExpiresAt = {AccessTokenExpiresAt:O} }}";
}

/// <summary>
/// Makes a connection active with newly issued tokens: creates it, or replaces the tokens of an existing one (a
/// reconnect), retrying on concurrent writes, with the status event of the change.
/// </summary>
public sealed partial class ConnectionActivator(
    IConnectionRecords store,
    ConnectionSecrets secrets,
    AccessTokenCache cache,
    GrantRevoker revoker,
    TimeProvider time,
    ILogger<ConnectionActivator> logger)
{
    private const int MaxWriteAttempts = 5;

    public Task<ConnectionRecord> ActivateAsync(
        string userId, string connectionId, string providerId, IReadOnlyList<string> scopes, IssuedTokens tokens, CancellationToken cancellationToken,
        string? importFingerprint = null) =>
        ActivateAsync(userId, connectionId, providerId, scopes, tokens, metadata: null, cancellationToken, importFingerprint);

    /// <param name="metadata">The connection's tags, already checked (<see cref="MetadataTags.Validate"/>); null keeps those
    /// of an existing connection (none for a new one).</param>
    /// <param name="importFingerprint">An import's fingerprint of the grant it handed over (<see cref="ConnectionRecord.ImportFingerprint"/>); null for a connect, which clears it.</param>
    public async Task<ConnectionRecord> ActivateAsync(string userId, string connectionId, string providerId, IReadOnlyList<string> scopes, IssuedTokens tokens,
        IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken, string? importFingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (!ConnectionKey.TryCreate(userId, connectionId, out var connection))
        {
            throw new ArgumentException("The user and connection ids must follow the id rule.", nameof(connectionId));
        }

        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await store.GetAsync(connection, cancellationToken);
            var record = (existing ?? new ConnectionRecord
            {
                UserId = userId,
                ConnectionId = connectionId,
                ProviderId = providerId,
                CreatedAt = now,
                UpdatedAt = now,
                RefreshTokenEnvelope = [],
            }).Healthy(now) with
            {
                ProviderId = providerId,
                Scopes = scopes,
                InstanceUrl = tokens.InstanceUrl,
                GrantedAt = now,
                ExpiryNoticeFor = null,
                ImportFingerprint = importFingerprint,
            };
            record = metadata is null ? record : record with { Metadata = metadata };
            record = await secrets.WithTokensAsync(record, tokens.RefreshToken, tokens.AccessToken, tokens.AccessTokenExpiresAt, tokens.AccessTokenType, cancellationToken);
            var statusEvent = ConnectionStatusEvent.Between(existing, record, "connected", now);
            var written = existing is null
                ? await store.AddAsync(record, statusEvent, cancellationToken)
                : await store.ReplaceAsync(record, statusEvent, cancellationToken);
            if (written.Status == WriteStatus.Written)
            {
                cache.Forget(userId, connectionId);
                if (existing is not null)
                {
                    await RevokeReplacedAsync(existing, tokens.RefreshToken, cancellationToken);
                }

                return written.Record!;
            }

            if (attempt == MaxWriteAttempts)
            {
                throw new InvalidOperationException($"The connection could not be saved after {MaxWriteAttempts} concurrent-write retries.");
            }
        }
    }

    /// <summary>A reconnect replaced a grant: the replaced refresh token is revoked where that cannot end the new grant too.</summary>
    private async Task RevokeReplacedAsync(ConnectionRecord replaced, string newRefreshToken, CancellationToken cancellationToken)
    {
        string oldRefreshToken;
        try
        {
            oldRefreshToken = await secrets.ReadRefreshTokenAsync(replaced, cancellationToken);
        }
        catch (CredentialDecryptionException)
        {
            return;
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(oldRefreshToken), Encoding.UTF8.GetBytes(newRefreshToken)))
        {
            var revocation = await revoker.RevokeDroppedAsync(replaced.ProviderId, oldRefreshToken, cancellationToken);
            LogReplacedGrant(logger, replaced.ProviderId, revocation);
        }
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "A reconnect replaced a {ProviderId} grant; the replaced refresh token: {Revocation}")]
    private static partial void LogReplacedGrant(ILogger logger, string providerId, string revocation);
}
