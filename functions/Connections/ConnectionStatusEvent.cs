using System.Text.Json.Serialization;

namespace Credentials.Functions.Connections;

/// <summary>
/// Sent to the status-events queue when a connection's status changes, so other services can, for example, ask the
/// user to reconnect. Ids, statuses, a reason code and the connection's metadata tags (<see cref="MetadataTags"/>, which
/// never hold a secret) only: never a token. Delivery is at least once: consumers
/// de-duplicate on <see cref="EventId"/>.
/// </summary>
public sealed record ConnectionStatusEvent(
    [property: JsonPropertyName("eventId")] string EventId,
    [property: JsonPropertyName("userId")] string UserId,
    [property: JsonPropertyName("connectionId")] string ConnectionId,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("oldStatus")] string? OldStatus,
    [property: JsonPropertyName("newStatus")] string NewStatus,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset OccurredAt,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>The <see cref="NewStatus"/> of a connection that was disconnected or purged.</summary>
    public const string Deleted = "deleted";

    /// <summary>
    /// The event for a write that takes a connection from <paramref name="before"/> to <paramref name="after"/> (null:
    /// did not exist / deleted); null when the status stays the same.
    /// </summary>
    public static ConnectionStatusEvent? Between(ConnectionRecord? before, ConnectionRecord? after, string? reason, DateTimeOffset occurredAt)
    {
        var subject = after ?? before;
        var oldStatus = before?.Status.ToName();
        var newStatus = after?.Status.ToName() ?? Deleted;
        return subject is null || oldStatus == newStatus
            ? null
            : new ConnectionStatusEvent(Guid.NewGuid().ToString("N"), subject.UserId, subject.ConnectionId, subject.ProviderId, oldStatus, newStatus,
                reason, occurredAt, subject.Metadata);
    }
}
