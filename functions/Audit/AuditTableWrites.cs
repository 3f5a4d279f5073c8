using Azure;
using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Audit;

/// <summary>
/// Writes one partition's chunk of audit rows, with its seal (<see cref="AuditChains"/>), as one entity-group
/// transaction: retried with backoff while the table fails or does not answer, and, when the table refuses the batch
/// itself, row by row so that one bad row costs only itself.
/// </summary>
internal sealed partial class AuditTableWrites(StorageTables tables, AuditChains chains, ILogger logger)
{
    /// <summary>A transaction holds at most 100 entities: the rows and their seal.</summary>
    public const int MaxRows = 99;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>Writes one partition's chunk; returns how many events were written, or null when cancelled first.</summary>
    public async Task<int?> WriteAsync(string partition, AuditEvent[] chunk, TableTransactionActionType write, CancellationToken cancellationToken)
    {
        try
        {
            return await chains.ExtendAsync(partition, chunk.Select(e => AuditTableLayout.ToEntity(e, partition)).ToList(),
                (entities, cancellation) => WriteSealedAsync(entities, write, cancellation), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while waiting for the partition's previous transaction: nothing was sent.
            return null;
        }
    }

    private async Task<int?> WriteSealedAsync(IReadOnlyList<TableEntity> entities, TableTransactionActionType write, CancellationToken cancellationToken)
    {
        // Seal row keys are new on every link, so the seal is always added, also in a batch that replaces rolled-up rows.
        var actions = entities.Select(e => new TableTransactionAction(AuditChain.IsSeal(e) ? TableTransactionActionType.Add : write, e)).ToList();
        var rows = entities.Count(e => !AuditChain.IsSeal(e));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var table = await tables.AuditAsync(cancellationToken);
                await table.SubmitTransactionAsync(actions, cancellationToken);
                return rows;
            }
            catch (TableTransactionFailedException exception) when (exception.Status == 409)
            {
                // A transaction is all or nothing: an "already exists" on a retry means the first attempt landed and its
                // response was lost (row keys are unique per event, seal keys per link).
                return rows;
            }
            catch (Exception exception) when (IsPermanent(exception))
            {
                LogRefused(logger, exception, rows);
                return await WriteOneByOneAsync(actions, cancellationToken);
            }
            catch (Exception exception) when (exception is RequestFailedException or HttpRequestException or TimeoutException or OperationCanceledException
                && !cancellationToken.IsCancellationRequested)
            {
                var backoff = Foundation.Resilience.Backoff.Delay(attempt, MaxBackoff);
                LogRetrying(logger, exception, attempt, backoff.TotalMilliseconds);
                await Task.Delay(backoff, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    private async Task<int> WriteOneByOneAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        var written = 0;
        var table = await tables.AuditAsync(cancellationToken);
        foreach (var action in actions)
        {
            try
            {
                _ = action.ActionType == TableTransactionActionType.UpsertReplace
                    ? await table.UpsertEntityAsync((TableEntity)action.Entity, TableUpdateMode.Replace, cancellationToken)
                    : await table.AddEntityAsync((TableEntity)action.Entity, cancellationToken);
                written += AuditChain.IsSeal((TableEntity)action.Entity) ? 0 : 1;
            }
            catch (RequestFailedException exception) when (exception.Status is >= 400 and < 500)
            {
                written += exception.Status == 409 && !AuditChain.IsSeal((TableEntity)action.Entity) ? 1 : 0;
            }
        }

        return written;
    }

    /// <summary>The table refused the request itself (bad entity, too large): retrying the same batch cannot succeed.</summary>
    private static bool IsPermanent(Exception exception) =>
        exception is RequestFailedException { Status: 400 or 413 };

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Writing audit events failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, Exception exception, int attempt, double delayMs);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Error, Message = "The audit table refused a batch of {Count} events; writing them one by one")]
    private static partial void LogRefused(ILogger logger, Exception exception, int count);
}
