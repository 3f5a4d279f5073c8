using System.Text.Json;
using System.Text.Json.Serialization;
using Credentials.Functions.Connections;

namespace Credentials.Functions.Maintenance;

/// <summary>
/// One queued piece of a maintenance lap: the rows of the connections table from <see cref="First"/> to
/// <see cref="Last"/> (both included). Items of one lap are disjoint ranges; processing one twice only checks its
/// connections again, and the refresh engine refreshes each once.
/// </summary>
public sealed record MaintenanceWorkItem(
    [property: JsonPropertyName("first")] TableKey First,
    [property: JsonPropertyName("last")] TableKey Last,
    [property: JsonPropertyName("plannedAt")] DateTimeOffset PlannedAt)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToMessage() => JsonSerializer.Serialize(this, Json);

    /// <summary>The item in a queue message; a message that is not one throws, so the host retries and then poisons it.</summary>
    public static MaintenanceWorkItem FromMessage(string message) =>
        JsonSerializer.Deserialize<MaintenanceWorkItem>(message, Json) is { First: { PartitionKey.Length: > 0 }, Last: { PartitionKey.Length: > 0 } } item
            ? item
            : throw new FormatException("The message is not a maintenance work item.");

    /// <summary>Consecutive ranges of at most <paramref name="size"/> of the given keys, which are in table order.</summary>
    public static IReadOnlyList<MaintenanceWorkItem> Cut(IReadOnlyList<TableKey> keys, int size, DateTimeOffset plannedAt)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return keys.Chunk(size).Select(chunk => new MaintenanceWorkItem(chunk[0], chunk[^1], plannedAt)).ToList();
    }
}
