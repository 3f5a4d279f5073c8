using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Providers;
using Credentials.Functions.Refresh;

namespace Credentials.Functions.Disconnect;

/// <summary>
/// Disconnect and purge: revoke the refresh token at the provider (RFC 7009) where it has a revocation endpoint, then
/// delete the record whatever the provider said. A failed revocation is audited, but never keeps the secret alive.
/// </summary>
public sealed class ConnectionRemover(
    ConnectionStore store,
    ConnectionSecrets secrets,
    GrantRevoker revoker,
    AccessTokenCache cache,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<bool> DisconnectAsync(ConnectionKey connection, string callerId, string correlationId, string action, CancellationToken cancellationToken)
    {
        var (userId, connectionId) = (connection.UserId, connection.ConnectionId);
        var record = await store.GetAsync(connection, cancellationToken);
        if (record is null)
        {
            await audit.AppendAsync(new AuditEvent(callerId, userId, connectionId, action, "absent", correlationId, time.GetUtcNow()), cancellationToken);
            return false;
        }

        var revocation = await revoker.RevokeAsync(record.ProviderId, token => secrets.ReadRefreshTokenAsync(record, token), cancellationToken);
        await store.DeleteAsync(connection, etag: null, ConnectionStatusEvent.Between(record, null, action, time.GetUtcNow()), cancellationToken);
        cache.Forget(userId, connectionId);
        await audit.AppendAsync(new AuditEvent(callerId, userId, connectionId, action, "deleted", correlationId, time.GetUtcNow(), revocation), cancellationToken);
        return true;
    }

    /// <summary>Disconnects every connection of a user. Returns how many were deleted.</summary>
    public async Task<int> PurgeAsync(string userId, string callerId, string correlationId, CancellationToken cancellationToken)
    {
        var deleted = 0;
        string? continuation = null;
        var keys = new List<ConnectionKey>();
        do
        {
            var page = await store.ListByUserAsync(userId, ConnectionStore.MaxPageSize, continuation, cancellationToken);
            keys.AddRange(page.Items.Select(ConnectionKey.Of));
            continuation = page.ContinuationToken;
        }
        while (continuation is not null);

        foreach (var key in keys)
        {
            deleted += await DisconnectAsync(key, callerId, correlationId, AuditActions.Purge, cancellationToken) ? 1 : 0;
        }

        return deleted;
    }
}
