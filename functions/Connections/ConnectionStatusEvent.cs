using System.Text.Json.Serialization;

namespace Credentials.Functions.Connections;

/// <summary>
/// Sent to the status-events queue when a connection's health changes, so other services can, for example, ask the
/// user to reconnect: a status change (<see cref="StatusChanged"/>), a connection back to health after failed refreshes
/// (<see cref="Recovered"/>), or a grant the provider will end soon (<see cref="ExpiringSoon"/>, with
/// <see cref="ExpiresAt"/>). Ids, statuses, dates, a reason code and the connection's metadata tags
/// (<see cref="MetadataTags"/>, which never hold a secret) only: never a token. Delivery is at least once: consumers
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
    [property: JsonPropertyName("type")] string Type = ConnectionStatusEvent.StatusChanged,
    [property: JsonPropertyName("expiresAt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ExpiresAt = null,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>The <see cref="NewStatus"/> of a connection that was disconnected or purged.</summary>
    public const string Deleted = "deleted";

    /// <summary>The status changed (<see cref="OldStatus"/> to <see cref="NewStatus"/>).</summary>
    public const string StatusChanged = "status_changed";

    /// <summary>Active again after failed refreshes, whether or not they had changed its status.</summary>
    public const string Recovered = "recovered";

    /// <summary>The provider ends the grant at <see cref="ExpiresAt"/> (<see cref="Reason"/>: which lifetime); raised once per expiry.</summary>
    public const string ExpiringSoon = "expiring_soon";

    /// <summary>
    /// The event for a write that takes a connection from <paramref name="before"/> to <paramref name="after"/> (null:
    /// did not exist / deleted): a status change, or a recovery; null when neither happened.
    /// </summary>
    public static ConnectionStatusEvent? Between(ConnectionRecord? before, ConnectionRecord? after, string? reason, DateTimeOffset occurredAt)
    {
        var subject = after ?? before;
        var oldStatus = before?.Status.ToName();
        var newStatus = after?.Status.ToName() ?? Deleted;
        var recovered = before is { Status: not ConnectionStatus.ReauthorizationRequired } && (before.ConsecutiveFailures > 0 || before.FailingSince is not null)
            && after is { Status: ConnectionStatus.Active, ConsecutiveFailures: 0, FailingSince: null };
        return subject is null || (oldStatus == newStatus && !recovered)
            ? null
            : new ConnectionStatusEvent(Guid.NewGuid().ToString("N"), subject.UserId, subject.ConnectionId, subject.ProviderId, oldStatus, newStatus,
                reason, occurredAt, recovered ? Recovered : StatusChanged, Metadata: subject.Metadata);
    }

    /// <summary>The provider ends <paramref name="record"/>'s grant at <paramref name="expiresAt"/> because of <paramref name="lifetime"/>.</summary>
    public static ConnectionStatusEvent ExpiringSoonOf(ConnectionRecord record, DateTimeOffset expiresAt, string lifetime, DateTimeOffset occurredAt)
    {
        ArgumentNullException.ThrowIfNull(record);
        var status = record.Status.ToName();
        return new ConnectionStatusEvent(Guid.NewGuid().ToString("N"), record.UserId, record.ConnectionId, record.ProviderId, status, status, lifetime,
            occurredAt, ExpiringSoon, expiresAt, record.Metadata);
    }
}
