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

    /// <summary>
    /// The keys of one page of up to <see cref="MaxPageSize"/> rows of every user (connections and outbox rows alike), in
    /// table order: what the maintenance planner cuts into work items without reading the records themselves.
    /// </summary>
    public async Task<(IReadOnlyList<TableKey> Keys, string? ContinuationToken)> ScanKeysAsync(string? continuationToken, CancellationToken cancellationToken)
    {
        var table = await tables.ConnectionsAsync(cancellationToken);
        var query = table.QueryAsync<TableEntity>(filter: (string?)null, MaxPageSize, [nameof(TableEntity.PartitionKey), nameof(TableEntity.RowKey)], cancellationToken);
        await foreach (var page in query.AsPages(continuationToken))
        {
            return (page.Values.Select(entity => new TableKey(entity.PartitionKey, entity.RowKey)).ToList(), page.ContinuationToken);
        }

        return ([], null);
    }

    /// <summary>
    /// The rows from <paramref name="first"/> to <paramref name="last"/> (both included, table order), page by page. The
    /// service is asked for whole partitions (a range over PartitionKey alone stays a range query); rows of the two edge
    /// partitions outside the bounds are dropped here.
    /// </summary>
    public async IAsyncEnumerable<ConnectionPage> ScanRangeAsync(TableKey first, TableKey last, int pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(last);
        var table = await tables.ConnectionsAsync(cancellationToken);
        var filter = first.PartitionKey == last.PartitionKey
            ? TableClient.CreateQueryFilter($"PartitionKey eq {first.PartitionKey} and RowKey ge {first.RowKey} and RowKey le {last.RowKey}")
            : TableClient.CreateQueryFilter($"PartitionKey ge {first.PartitionKey} and PartitionKey le {last.PartitionKey}");
        await foreach (var page in table.QueryAsync<TableEntity>(filter, ClampPageSize(pageSize), cancellationToken: cancellationToken).AsPages())
        {
            yield return ToPage(page.Values.Where(entity => TableKey.Of(entity).IsWithin(first, last)), page.ContinuationToken);
        }
    }

    private static async Task<ConnectionPage> ReadPageAsync(AsyncPageable<TableEntity> query, string? continuationToken)
    {
        await foreach (var page in query.AsPages(continuationToken))
        {
            return ToPage(page.Values, page.ContinuationToken);
        }

        return new ConnectionPage([], null);
    }

    private static ConnectionPage ToPage(IEnumerable<TableEntity> entities, string? continuationToken)
    {
        var connections = new List<ConnectionRecord>();
        var outbox = new List<ConnectionStatusEvent>();
        foreach (var entity in entities)
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

        return new ConnectionPage(connections, continuationToken) { UnsentEvents = outbox };
    }

    private static int ClampPageSize(int pageSize) => Math.Clamp(pageSize, 1, MaxPageSize);
}
