namespace Credentials.Functions.Connections;

public enum WriteStatus
{
    Written,

    /// <summary>The record changed since it was read (ETag mismatch); nothing was written.</summary>
    Conflict,

    /// <summary>The record no longer exists; nothing was written.</summary>
    NotFound,

    /// <summary>An insert found a record already there; nothing was written.</summary>
    AlreadyExists,
}

/// <summary>The outcome of a store write, as a value. <see cref="Record"/> is the stored copy (with its new ETag) when written.</summary>
public readonly record struct WriteResult(WriteStatus Status, ConnectionRecord? Record)
{
    public bool Succeeded => Status == WriteStatus.Written;

    public static WriteResult Written(ConnectionRecord record) => new(WriteStatus.Written, record);

    public static WriteResult Failed(WriteStatus status) => new(status, null);
}

public sealed record ConnectionPage(IReadOnlyList<ConnectionRecord> Items, string? ContinuationToken)
{
    /// <summary>Status events found still in their outbox rows on this page (maintenance scans only).</summary>
    public IReadOnlyList<ConnectionStatusEvent> UnsentEvents { get; init; } = [];
}
