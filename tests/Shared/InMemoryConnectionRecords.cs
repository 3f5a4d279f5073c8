using System.Globalization;
using Credentials.Functions.Connections;

namespace Credentials.Tests.Support;

/// <summary>
/// Connection records in memory, answering as <see cref="ConnectionStore"/> answers over Table Storage (the contract
/// test <c>ConnectionRecordsContractTests</c> runs the same cases against both): every write takes a new ETag, a
/// replace or delete at another ETag is a <see cref="WriteStatus.Conflict"/>, marking a hand-out changes the ETag too,
/// and hostile ids or an empty refresh-token envelope are refused before anything is written. The recent copy is the
/// current one (a snapshot lifetime of zero).
/// </summary>
internal sealed class InMemoryConnectionRecords : IConnectionRecords
{
    private readonly Dictionary<ConnectionKey, ConnectionRecord> _rows = [];
    private readonly List<ConnectionStatusEvent> _events = [];
    private readonly Lock _lock = new();
    private long _version;
    private int _writes;

    /// <summary>Runs before a replace is judged, outside the lock: a test's chance to write first (a concurrent writer).</summary>
    public Func<ConnectionRecord, Task>? BeforeReplace { get; set; }

    /// <summary>Conditional writes tried (adds, replaces, deletes), whatever their outcome.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Status events whose writes succeeded, in order.</summary>
    public IReadOnlyList<ConnectionStatusEvent> StatusEvents
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Stores <paramref name="record"/> whatever is there (a test's setup or another writer); returns the stored copy.</summary>
    public ConnectionRecord Put(ConnectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            return Store(record);
        }
    }

    /// <summary>Another writer changes the record: it gets a new ETag, so copies read before conflict.</summary>
    public ConnectionRecord Edit(ConnectionKey connection, Func<ConnectionRecord, ConnectionRecord> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        lock (_lock)
        {
            return Store(edit(_rows[connection]));
        }
    }

    public Task<ConnectionRecord?> GetAsync(ConnectionKey connection, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(_rows.GetValueOrDefault(connection));
        }
    }

    public Task<ConnectionRecord?> GetRecentAsync(ConnectionKey connection, CancellationToken cancellationToken) => GetAsync(connection, cancellationToken);

    public Task<WriteResult> AddAsync(ConnectionRecord record, CancellationToken cancellationToken) => AddAsync(record, null, cancellationToken);

    public Task<WriteResult> AddAsync(ConnectionRecord record, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken)
    {
        var key = Validate(record);
        Interlocked.Increment(ref _writes);
        lock (_lock)
        {
            if (_rows.ContainsKey(key))
            {
                return Task.FromResult(WriteResult.Failed(WriteStatus.AlreadyExists));
            }

            return Task.FromResult(WriteResult.Written(Stored(record, statusEvent)));
        }
    }

    public Task<WriteResult> ReplaceAsync(ConnectionRecord record, CancellationToken cancellationToken) => ReplaceAsync(record, null, cancellationToken);

    public async Task<WriteResult> ReplaceAsync(ConnectionRecord record, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken)
    {
        var key = Validate(record);
        if (string.IsNullOrEmpty(record.ETag))
        {
            throw new ArgumentException("A replace must carry the ETag the record was read at.", nameof(record));
        }

        if (BeforeReplace is { } before)
        {
            await before(record);
        }

        Interlocked.Increment(ref _writes);
        lock (_lock)
        {
            if (!_rows.TryGetValue(key, out var current))
            {
                return WriteResult.Failed(WriteStatus.NotFound);
            }

            return current.ETag != record.ETag ? WriteResult.Failed(WriteStatus.Conflict) : WriteResult.Written(Stored(record, statusEvent));
        }
    }

    public Task<WriteStatus> DeleteAsync(ConnectionKey connection, string? etag, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        lock (_lock)
        {
            if (!_rows.TryGetValue(connection, out var current))
            {
                return Task.FromResult(WriteStatus.NotFound);
            }

            if (etag is not null && current.ETag != etag)
            {
                return Task.FromResult(WriteStatus.Conflict);
            }

            _rows.Remove(connection);
            if (statusEvent is not null)
            {
                _events.Add(statusEvent);
            }

            return Task.FromResult(WriteStatus.Written);
        }
    }

    public Task MarkUsedAsync(ConnectionKey connection, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // As the store: a mark within a minute of the last one is not written again.
            if (_rows.TryGetValue(connection, out var current) && !(current.LastUsedAt is { } marked && at - marked < TimeSpan.FromMinutes(1)))
            {
                Store(current with { LastUsedAt = at });
            }
        }

        return Task.CompletedTask;
    }

    public void MarkUsedInBackground(ConnectionKey connection, DateTimeOffset at) => _ = MarkUsedAsync(connection, at, CancellationToken.None);

    private static ConnectionKey Validate(ConnectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!ConnectionKey.TryCreate(record.UserId, record.ConnectionId, out var key))
        {
            throw new ArgumentException("A connection record's user and connection ids must follow the id rule.", nameof(record));
        }

        if (record.RefreshTokenEnvelope.Length == 0)
        {
            throw new ArgumentException("A connection record always holds an encrypted refresh token.", nameof(record));
        }

        return key;
    }

    private ConnectionRecord Stored(ConnectionRecord record, ConnectionStatusEvent? statusEvent)
    {
        var stored = Store(record);
        if (statusEvent is not null)
        {
            _events.Add(statusEvent);
        }

        return stored;
    }

    private ConnectionRecord Store(ConnectionRecord record)
    {
        var stored = record with { ETag = string.Create(CultureInfo.InvariantCulture, $"W/\"{++_version}\"") };
        _rows[ConnectionKey.Of(stored)] = stored;
        return stored;
    }
}
