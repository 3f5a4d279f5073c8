using Azure;
using Azure.Data.Tables;
using Credentials.Functions.Foundation;

namespace Credentials.Functions.Connections;

public sealed partial class ConnectionStore
{
    public const int MaxPageSize = 1000;

    /// <summary>One page of a user's connections, in connection-id order.</summary>
    public async Task<ConnectionPage> ListByUserAsync(string userId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        Identifiers.Require(userId, nameof(userId));
        var table = await tables.ConnectionsAsync(cancellationToken);
        var filter = $"{TableClient.CreateQueryFilter($"PartitionKey eq {userId}")} and {StatusEventOutbox.ConnectionRowsFilter}";
        return await ReadPageAsync(table.QueryAsync<TableEntity>(filter, ClampPageSize(pageSize), cancellationToken: cancellationToken), continuationToken);
    }

    /// <summary>Whether the user has any connection at all (one row read at most): what a 404 may say about a missing one.</summary>
    public async Task<bool> HasAnyAsync(string userId, CancellationToken cancellationToken)
    {
        Identifiers.Require(userId, nameof(userId));
        var table = await tables.ConnectionsAsync(cancellationToken);
        var filter = $"{TableClient.CreateQueryFilter($"PartitionKey eq {userId}")} and {StatusEventOutbox.ConnectionRowsFilter}";
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).AsPages())
        {
            if (page.Values.Count > 0)
            {
                return true;
            }

            if (page.ContinuationToken is null)
            {
                break;
            }
        }

        return false;
    }

    /// <summary>
    /// One page of every row of every user, for maintenance walks that resume from a stored token: connections, and the
    /// status events still in their outbox rows.
    /// </summary>
    public async Task<ConnectionPage> ScanAsync(int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var table = await tables.ConnectionsAsync(cancellationToken);
        return await ReadPageAsync(table.QueryAsync<TableEntity>(filter: (string?)null, ClampPageSize(pageSize), cancellationToken: cancellationToken),
            continuationToken);
    }

    private static async Task<ConnectionPage> ReadPageAsync(AsyncPageable<TableEntity> query, string? continuationToken)
    {
        await foreach (var page in query.AsPages(continuationToken))
        {
            var connections = new List<ConnectionRecord>(page.Values.Count);
            var outbox = new List<ConnectionStatusEvent>();
            foreach (var entity in page.Values)
            {
                if (!StatusEventOutbox.IsOutboxRow(entity.RowKey))
                {
                    connections.Add(ConnectionEntityMapper.FromEntity(entity));
                }
                else if (StatusEventOutbox.FromEntity(entity) is { } statusEvent)
                {
                    outbox.Add(statusEvent);
                }
            }

            return new ConnectionPage(connections, page.ContinuationToken) { UnsentEvents = outbox };
        }

        return new ConnectionPage([], null);
    }

    private static int ClampPageSize(int pageSize) => Math.Clamp(pageSize, 1, MaxPageSize);
}
