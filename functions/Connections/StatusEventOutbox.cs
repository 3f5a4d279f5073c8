using System.Text.Json;
using Azure.Data.Tables;

namespace Credentials.Functions.Connections;

/// <summary>
/// The outbox rows of status events. A row lives in the connections table, in the partition of the record whose change
/// it reports, and is written in the same entity-group transaction as that change: the change and its event are stored
/// together or not at all. Its row key starts with <c>!</c>, a character no connection id may contain, so it sorts
/// before every connection of the partition and is told apart by key alone.
/// </summary>
internal static class StatusEventOutbox
{
    public const string RowKeyPrefix = "!event!";

    /// <summary>OData filter for connection rows only (every connection id starts above <c>"</c>).</summary>
    public const string ConnectionRowsFilter = "RowKey gt '\"'";

    private const string EventProperty = "Event";

    public static bool IsOutboxRow(string rowKey) => rowKey.StartsWith(RowKeyPrefix, StringComparison.Ordinal);

    public static string RowKeyOf(ConnectionStatusEvent statusEvent)
    {
        ArgumentNullException.ThrowIfNull(statusEvent);
        return RowKeyPrefix + statusEvent.EventId;
    }

    public static TableEntity ToEntity(ConnectionStatusEvent statusEvent) =>
        new(statusEvent.UserId, RowKeyOf(statusEvent)) { [EventProperty] = JsonSerializer.Serialize(statusEvent) };

    public static ConnectionStatusEvent? FromEntity(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return entity.GetString(EventProperty) is { Length: > 0 } json ? JsonSerializer.Deserialize<ConnectionStatusEvent>(json) : null;
    }
}
