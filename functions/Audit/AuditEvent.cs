
namespace Credentials.Functions.Audit;

/// <summary>
/// One access to a credential. Never carries a secret: ids, action, outcome and correlation only. A rolled-up event
/// (<see cref="Rollup"/>) stands for <see cref="AuditRollup.Count"/> identical events in one window; its
/// <see cref="CorrelationId"/> and <see cref="OccurredAt"/> are the first one's.
/// </summary>
public sealed record AuditEvent(
    string Caller,
    string UserId,
    string? ConnectionId,
    string Action,
    string Outcome,
    string CorrelationId,
    DateTimeOffset OccurredAt,
    string? Reason = null)
{
    public AuditRollup? Rollup { get; init; }
}

/// <summary>How many identical events one rolled-up row stands for, in which window, first and last.</summary>
/// <param name="RowKey">The row's key: stable per instance, tuple and window, so that a later count replaces the row.</param>
public sealed record AuditRollup(DateTimeOffset WindowStart, long Count, DateTimeOffset FirstAt, DateTimeOffset LastAt, string RowKey);

/// <summary>Stable action names in the audit log.</summary>
internal static class AuditActions
{
    public const string Authorize = "authorize";
    public const string ReadAccessToken = "read_access_token";
    public const string Refresh = "refresh";
    public const string Connect = "connect";
    public const string Disconnect = "disconnect";
    public const string Purge = "purge";
    public const string Proxy = "proxy";
    public const string Import = "import";
    public const string UpdateMetadata = "update_metadata";
}
