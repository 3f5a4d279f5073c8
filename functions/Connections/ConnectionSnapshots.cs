using Credentials.Functions.Foundation.Resilience;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Connections;

/// <summary>
/// This instance's recent copies of connection records (absent ones too), for the token hand-out: a record at most
/// <see cref="StorageOptions.ConnectionSnapshotLifetime"/> old is served without a table read, and concurrent misses for
/// one connection share one read. <see cref="ConnectionStore"/> puts every write of this instance here at once.
/// </summary>
public sealed class ConnectionSnapshots(IOptions<StorageOptions> options, TimeProvider time) : IDisposable
{
    private const int MaxEntries = 50_000;

    /// <summary>How long a read of a record is waited for before an older snapshot serves instead (slow storage).</summary>
    private static readonly TimeSpan ReadPatience = TimeSpan.FromMilliseconds(250);
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });
    private readonly SingleFlight<ConnectionKey, ConnectionRecord?> _reads = new();

    // No expiry in the cache itself: age is judged on the injected clock (ReadAt), and the size limit bounds memory.
    private static readonly MemoryCacheEntryOptions Entry = new() { Size = 1 };

    public TimeSpan Lifetime => options.Value.ConnectionSnapshotLifetime;

    /// <summary>
    /// The record as of at most <see cref="Lifetime"/> ago, reading it with <paramref name="read"/> only when needed. When
    /// that read takes longer than <see cref="ReadPatience"/>, a snapshot younger than
    /// <see cref="StorageOptions.ConnectionSnapshotMaxStaleness"/> serves meanwhile, and the read goes on for the next call.
    /// </summary>
    public async Task<ConnectionRecord?> GetAsync(ConnectionKey key, Func<CancellationToken, Task<ConnectionRecord?>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        Snapshot? known = null;
        if (Lifetime > TimeSpan.Zero && _cache.TryGetValue(key, out known) && time.GetUtcNow() - known!.ReadAt < Lifetime)
        {
            return known.Record;
        }

        var reading = _reads.RunAsync(key, () => ReadAndRememberAsync(key, read), CancellationToken.None);
        if (known is null || reading.IsCompleted || options.Value.ConnectionSnapshotMaxStaleness <= Lifetime)
        {
            return await reading;
        }

        using var patience = new CancellationTokenSource();
        var waited = Task.Delay(ReadPatience, time, patience.Token);
        if (await Task.WhenAny(reading, waited) == reading || time.GetUtcNow() - known.ReadAt >= options.Value.ConnectionSnapshotMaxStaleness)
        {
            await patience.CancelAsync();
            return await reading;
        }

        return known.Record;
    }

    /// <summary>This instance wrote <paramref name="record"/> (or, with null, removed the connection): later reads see it at once.</summary>
    public void Put(ConnectionKey key, ConnectionRecord? record)
    {
        if (Lifetime > TimeSpan.Zero)
        {
            _cache.Set(key, new Snapshot(record, time.GetUtcNow()), Entry);
        }
    }

    /// <summary>When this instance last saw the connection used, if it holds a copy.</summary>
    public DateTimeOffset? LastUsedAt(ConnectionKey key) =>
        _cache.TryGetValue(key, out Snapshot? snapshot) ? snapshot!.Record?.LastUsedAt : null;

    /// <summary>
    /// This instance recorded a hand-out (a merge of <c>LastUsedAt</c> only): the copy keeps its age and, since nothing
    /// conditional is written from a snapshot, its ETag.
    /// </summary>
    public void Touch(ConnectionKey key, DateTimeOffset lastUsedAt)
    {
        if (_cache.TryGetValue(key, out Snapshot? snapshot) && snapshot!.Record is { } record)
        {
            _cache.Set(key, snapshot with { Record = record with { LastUsedAt = lastUsedAt } },
                Entry);
        }
    }

    public void Dispose() => _cache.Dispose();

    private async Task<ConnectionRecord?> ReadAndRememberAsync(ConnectionKey key, Func<CancellationToken, Task<ConnectionRecord?>> read)
    {
        await Task.Yield();
        // A request that missed just before another read's result was remembered must not read again.
        if (Lifetime > TimeSpan.Zero && _cache.TryGetValue(key, out Snapshot? fresh) && time.GetUtcNow() - fresh!.ReadAt < Lifetime)
        {
            return fresh.Record;
        }

        var readAt = time.GetUtcNow();
        var record = await read(CancellationToken.None);
        // A write of this instance that landed while the read was on its way is newer than what the read saw.
        if (Lifetime > TimeSpan.Zero && !(_cache.TryGetValue(key, out Snapshot? written) && written!.ReadAt >= readAt))
        {
            _cache.Set(key, new Snapshot(record, readAt), Entry);
        }

        return record;
    }

    private sealed record Snapshot(ConnectionRecord? Record, DateTimeOffset ReadAt);
}
