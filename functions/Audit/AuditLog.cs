using System.Globalization;
using Azure.Data.Tables;
using Credentials.Functions.Storage;

namespace Credentials.Functions.Audit;

/// <summary>
/// Append-only table of credential access events. Partitioned by UTC day (retention deletes whole old days); within a
/// day rows sort newest first. Rows are only ever added, never updated.
/// </summary>
public sealed class AuditLog(StorageTables tables)
{
    private const string DayFormat = "yyyyMMdd";

    public async Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var table = await tables.AuditAsync(cancellationToken);
        var entity = new TableEntity(PartitionFor(auditEvent.OccurredAt), RowKeyFor(auditEvent.OccurredAt))
        {
            ["Caller"] = auditEvent.Caller,
            ["UserId"] = auditEvent.UserId,
            ["ConnectionId"] = auditEvent.ConnectionId,
            ["Action"] = auditEvent.Action,
            ["Outcome"] = auditEvent.Outcome,
            ["CorrelationId"] = auditEvent.CorrelationId,
            ["OccurredAt"] = auditEvent.OccurredAt,
            ["Reason"] = auditEvent.Reason,
        };
        await table.AddEntityAsync(entity, cancellationToken);
    }

    /// <summary>Events of one UTC day, newest first.</summary>
    public async Task<IReadOnlyList<AuditEvent>> ReadDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var table = await tables.AuditAsync(cancellationToken);
        var partition = day.ToString(DayFormat, CultureInfo.InvariantCulture);
        var events = new List<AuditEvent>();
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            events.Add(new AuditEvent(
                entity.GetString("Caller") ?? string.Empty,
                entity.GetString("UserId") ?? string.Empty,
                entity.GetString("ConnectionId"),
                entity.GetString("Action") ?? string.Empty,
                entity.GetString("Outcome") ?? string.Empty,
                entity.GetString("CorrelationId") ?? string.Empty,
                entity.GetDateTimeOffset("OccurredAt") ?? DateTimeOffset.MinValue,
                entity.GetString("Reason")));
        }

        return events;
    }

    /// <summary>Deletes every day strictly before <paramref name="cutoff"/>. Returns the number of rows deleted.</summary>
    public async Task<int> DeleteDaysBeforeAsync(DateOnly cutoff, CancellationToken cancellationToken)
    {
        var table = await tables.AuditAsync(cancellationToken);
        var boundary = cutoff.ToString(DayFormat, CultureInfo.InvariantCulture);
        var deleted = 0;
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo(boundary) < 0, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, cancellationToken: cancellationToken);
            deleted++;
        }

        return deleted;
    }

    private static string PartitionFor(DateTimeOffset at) => at.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture);

    private static string RowKeyFor(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:D19}-{Guid.NewGuid():N}");
}
