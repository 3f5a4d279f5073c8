using Credentials.Functions.Connections;
using Credentials.Functions.Events;
using Credentials.Functions.Tokens;

namespace Credentials.Functions.Connect;

/// <summary>Tokens a provider issued for a connection, in plaintext for as short as possible.</summary>
public sealed record IssuedTokens(string RefreshToken, string? AccessToken, DateTimeOffset? AccessTokenExpiresAt, string? AccessTokenType)
{
    public override string ToString() => $"IssuedTokens {{ AccessTokenExpiresAt = {AccessTokenExpiresAt:O} }}";
}

/// <summary>
/// Makes a connection active with newly issued tokens: creates it, or replaces the tokens of an existing one (a
/// reconnect), retrying on concurrent writes, and publishes the status change.
/// </summary>
public sealed class ConnectionActivator(
    ConnectionStore store,
    ConnectionSecrets secrets,
    AccessTokenCache cache,
    ConnectionStatusEvents events,
    TimeProvider time)
{
    private const int MaxWriteAttempts = 5;

    public async Task<ConnectionRecord> ActivateAsync(
        string userId, string connectionId, string providerId, IReadOnlyList<string> scopes, IssuedTokens tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await store.GetAsync(userId, connectionId, cancellationToken);
            var record = (existing ?? new ConnectionRecord
            {
                UserId = userId,
                ConnectionId = connectionId,
                ProviderId = providerId,
                CreatedAt = now,
                UpdatedAt = now,
                RefreshTokenEnvelope = [],
            }) with
            {
                ProviderId = providerId,
                Scopes = scopes,
                Status = ConnectionStatus.Active,
                UpdatedAt = now,
                LastRefreshSucceededAt = now,
                FailingSince = null,
                ConsecutiveFailures = 0,
                LastErrorCode = null,
                NextRefreshAllowedAt = null,
                LeaseOwner = null,
                LeaseExpiresAt = null,
            };
            record = await secrets.WithTokensAsync(record, tokens.RefreshToken, tokens.AccessToken, tokens.AccessTokenExpiresAt, tokens.AccessTokenType, cancellationToken);
            var written = existing is null ? await store.AddAsync(record, cancellationToken) : await store.ReplaceAsync(record, cancellationToken);
            if (written.Status == WriteStatus.Written)
            {
                cache.Forget(userId, connectionId);
                await events.PublishIfChangedAsync(existing, written.Record, "connected", cancellationToken);
                return written.Record!;
            }

            if (attempt == MaxWriteAttempts)
            {
                throw new InvalidOperationException($"The connection could not be saved after {MaxWriteAttempts} concurrent-write retries.");
            }
        }
    }
}
