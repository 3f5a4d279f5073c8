namespace Credentials.Functions.Connections;

/// <summary>
/// Connection records, one per <see cref="ConnectionKey"/>: what the refresh path and the hand-out need of the store.
/// Writes are conditional on the ETag the caller read and come back as values (<see cref="WriteStatus"/>), never as
/// silent overwrites. <see cref="ConnectionStore"/> is the table-backed one; tests/Shared has an in-memory one that a
/// contract test holds to the same answers.
/// </summary>
public interface IConnectionRecords
{
    /// <summary>The record as stored now, or null.</summary>
    Task<ConnectionRecord?> GetAsync(ConnectionKey connection, CancellationToken cancellationToken);

    /// <summary>The record as this instance saw it recently (for hand-outs only; anything that writes reads with <see cref="GetAsync"/>).</summary>
    Task<ConnectionRecord?> GetRecentAsync(ConnectionKey connection, CancellationToken cancellationToken);

    /// <summary>Inserts a new record; <see cref="WriteStatus.AlreadyExists"/> when one is there.</summary>
    Task<WriteResult> AddAsync(ConnectionRecord record, CancellationToken cancellationToken);

    /// <summary>Inserts a new record with the status event it causes; <see cref="WriteStatus.AlreadyExists"/> when one is there.</summary>
    Task<WriteResult> AddAsync(ConnectionRecord record, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken);

    /// <summary>Replaces the record if it is still at its <see cref="ConnectionRecord.ETag"/>.</summary>
    Task<WriteResult> ReplaceAsync(ConnectionRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces the record if it is still at its <see cref="ConnectionRecord.ETag"/>, with the status event it causes.</summary>
    Task<WriteResult> ReplaceAsync(ConnectionRecord record, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken);

    /// <summary>Deletes the record, with the status event it causes; with an ETag only if unchanged.</summary>
    Task<WriteStatus> DeleteAsync(ConnectionKey connection, string? etag, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken);

    /// <summary>Records a hand-out in <c>LastUsedAt</c> alone, unconditionally; the record's ETag changes.</summary>
    Task MarkUsedAsync(ConnectionKey connection, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary><see cref="MarkUsedAsync"/> without waiting for it or failing for it.</summary>
    void MarkUsedInBackground(ConnectionKey connection, DateTimeOffset at);
}
