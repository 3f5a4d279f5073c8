using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Audit;

/// <summary>
/// Append-only log of credential access events ([storage layout](docs/storage.md)). In the default
/// <see cref="AuditMode.Queued"/> mode an event is accepted into a bounded queue that <see cref="AuditWriter"/> writes in
/// batches; a full queue throws <see cref="AuditUnavailableException"/>, so the request fails closed. In
/// <see cref="AuditMode.Synchronous"/> mode every event is one table write before the caller continues. Repeated events
/// go through <see cref="CountAsync"/> instead and are written as one counted row per tuple and window.
/// </summary>
public sealed class AuditLog(StorageTables tables, AuditBuffer queue, IOptions<AuditOptions> options)
{
    public async Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        if (options.Value.Mode == AuditMode.Queued)
        {
            if (!queue.TryEnqueue(auditEvent))
            {
                throw new AuditUnavailableException();
            }

            return;
        }

        var table = await tables.AuditAsync(cancellationToken);
        var partition = AuditTableLayout.PartitionFor(AuditTableLayout.DayOf(auditEvent.OccurredAt), Random.Shared.Next(AuditTableLayout.Shards));
        await queue.Chains.ExtendAsync(partition, [AuditTableLayout.ToEntity(auditEvent, partition)], async (entities, cancellation) =>
        {
            await table.SubmitTransactionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellation);
            return 1;
        }, cancellationToken);
    }

    /// <summary>
    /// Counts a repeated event (a token hand-out, a proxied call, an authorization decision) into its rolled-up row: one
    /// row per (caller, user, connection, action, outcome, reason) per <see cref="AuditOptions.RollupWindow"/>. Costs no
    /// table request per event. A new tuple beyond its class's capacity throws <see cref="AuditUnavailableException"/>
    /// (the request fails closed). In <see cref="AuditMode.Synchronous"/> mode every event is its own row, as before.
    /// </summary>
    public Task CountAsync(AuditEvent auditEvent, RollupClass rollupClass, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        if (options.Value.Mode != AuditMode.Queued)
        {
            return AppendAsync(auditEvent, cancellationToken);
        }

        return queue.Rollups.TryCount(auditEvent, rollupClass) ? Task.CompletedTask : throw new AuditUnavailableException();
    }

    /// <summary>Waits until every event appended before this call is in the table, and every rolled-up count as it is now.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) =>
        options.Value.Mode == AuditMode.Queued ? queue.FlushAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Events of one UTC day, newest first, including this instance's queued ones.</summary>
    public async Task<IReadOnlyList<AuditEvent>> ReadDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        var table = await tables.AuditAsync(cancellationToken);
        var rows = new List<TableEntity>();
        await foreach (var entity in table.QueryAsync<TableEntity>(AuditTableLayout.DayRangeFilter(day), cancellationToken: cancellationToken))
        {
            rows.Add(entity);
        }

        // Row keys are inverted ticks: ordinal order across all of the day's shards is newest first.
        return rows.Where(row => !AuditChain.IsSeal(row)).OrderBy(row => row.RowKey, StringComparer.Ordinal).Select(AuditTableLayout.FromEntity).ToList();
    }

    /// <summary>Deletes every day strictly before <paramref name="cutoff"/>, seals included. Returns the number of audit rows deleted.</summary>
    public async Task<int> DeleteDaysBeforeAsync(DateOnly cutoff, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        var table = await tables.AuditAsync(cancellationToken);
        var boundary = AuditTableLayout.DayOf(cutoff);
        var deleted = 0;
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo(boundary) < 0, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, cancellationToken: cancellationToken);
            deleted += AuditChain.IsSeal(entity) ? 0 : 1;
        }

        return deleted;
    }
}
