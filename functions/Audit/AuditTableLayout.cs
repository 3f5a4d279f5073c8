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

    public static TableEntity ToEntity(AuditEvent auditEvent, string partition) => new(partition, RowKeyFor(auditEvent.OccurredAt))
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

    public static AuditEvent FromEntity(TableEntity entity) => new(
        entity.GetString("Caller") ?? string.Empty,
        entity.GetString("UserId") ?? string.Empty,
        entity.GetString("ConnectionId"),
        entity.GetString("Action") ?? string.Empty,
        entity.GetString("Outcome") ?? string.Empty,
        entity.GetString("CorrelationId") ?? string.Empty,
        entity.GetDateTimeOffset("OccurredAt") ?? DateTimeOffset.MinValue,
        entity.GetString("Reason"));

    private static string RowKeyFor(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:D19}-{Guid.NewGuid():N}");
}
