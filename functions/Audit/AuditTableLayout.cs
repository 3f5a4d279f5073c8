using System.Globalization;
using Azure.Data.Tables;

namespace Credentials.Functions.Audit;

/// <summary>
/// How audit events are laid out in their table. A partition is a UTC day plus a shard (<c>yyyyMMdd-NN</c>): Azure caps
/// one partition at about 2,000 entities per second, so one partition per day would cap the whole service. Days still
/// sort as ranges (retention deletes whole days, a day is read as one range), and row keys sort newest first.
/// </summary>
internal static class AuditTableLayout
{
    public const int Shards = 16;
    private const string DayFormat = "yyyyMMdd";

    public static string DayOf(DateTimeOffset at) => at.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture);

    public static string DayOf(DateOnly day) => day.ToString(DayFormat, CultureInfo.InvariantCulture);

    public static string PartitionFor(string day, int shard) => string.Create(CultureInfo.InvariantCulture, $"{day}-{shard % Shards:D2}");

    /// <summary>Every partition of <paramref name="day"/> (also the unsharded <c>yyyyMMdd</c> of earlier versions): <c>[day, day~)</c>.</summary>
    public static string DayRangeFilter(DateOnly day) =>
        TableClient.CreateQueryFilter($"PartitionKey ge {DayOf(day)} and PartitionKey lt {DayOf(day) + "~"}");

    /// <summary>A rolled-up row always goes to the same partition of its window's day, so that a later count replaces it.</summary>
    public static string PartitionFor(AuditRollup rollup) =>
        PartitionFor(DayOf(rollup.WindowStart), int.Parse(rollup.RowKey.AsSpan(rollup.RowKey.Length - 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    public static TableEntity ToEntity(AuditEvent auditEvent, string partition)
    {
        var entity = new TableEntity(partition, auditEvent.Rollup?.RowKey ?? RowKeyFor(auditEvent.OccurredAt))
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
        if (auditEvent.Rollup is { } rollup)
        {
            entity["Count"] = rollup.Count;
            entity["WindowStart"] = rollup.WindowStart;
            entity["FirstAt"] = rollup.FirstAt;
            entity["LastAt"] = rollup.LastAt;
        }

        return entity;
    }

    public static AuditEvent FromEntity(TableEntity entity) => new(
        entity.GetString("Caller") ?? string.Empty,
        entity.GetString("UserId") ?? string.Empty,
        entity.GetString("ConnectionId"),
        entity.GetString("Action") ?? string.Empty,
        entity.GetString("Outcome") ?? string.Empty,
        entity.GetString("CorrelationId") ?? string.Empty,
        entity.GetDateTimeOffset("OccurredAt") ?? DateTimeOffset.MinValue,
        entity.GetString("Reason"))
    {
        Rollup = entity.GetInt64("Count") is { } count
            ? new AuditRollup(entity.GetDateTimeOffset("WindowStart") ?? DateTimeOffset.MinValue, count,
                entity.GetDateTimeOffset("FirstAt") ?? DateTimeOffset.MinValue, entity.GetDateTimeOffset("LastAt") ?? DateTimeOffset.MinValue, entity.RowKey)
            : null,
    };

    private static string RowKeyFor(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:D19}-{Guid.NewGuid():N}");
}
