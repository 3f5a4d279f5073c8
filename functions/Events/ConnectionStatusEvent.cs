using System.Text.Json.Serialization;

namespace Credentials.Functions.Events;

/// <summary>
/// Sent to the status-events queue when a connection's status changes, so other services can, for example, ask the
/// user to reconnect. Ids, statuses and a reason code only: never a token.
/// </summary>
public sealed record ConnectionStatusEvent(
    [property: JsonPropertyName("userId")] string UserId,
    [property: JsonPropertyName("connectionId")] string ConnectionId,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("oldStatus")] string? OldStatus,
    [property: JsonPropertyName("newStatus")] string NewStatus,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset OccurredAt)
{
    /// <summary>The <see cref="NewStatus"/> of a connection that was disconnected or purged.</summary>
    public const string Deleted = "deleted";
}
