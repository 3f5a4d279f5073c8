using Credentials.Functions.Crypto.KeySources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Crypto;

/// <summary>
/// The in-memory set of enabled master key versions. Loaded once, then refreshed at most every
/// <see cref="EncryptionOptions.KeyRefreshInterval"/>, so steady-state requests never reach the key source. When a
/// refresh fails (throttled, unreachable) the cached keys keep serving and the next try waits
/// <see cref="EncryptionOptions.KeyRefreshRetryDelay"/>. Keys that disappear from the source are zeroed.
/// </summary>
public sealed partial class MasterKeyRing : IDisposable
{
    private readonly IMasterKeySource _source;
    private readonly TimeProvider _time;
    private readonly ILogger<MasterKeyRing> _logger;
    private readonly EncryptionOptions _options;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly Foundation.Telemetry.ServiceMetrics? _metrics;
    private volatile KeySnapshot? _snapshot;
    // UTC ticks, read without the lock: a long is read and written atomically, a DateTimeOffset is not.
    private long _nextRefreshAtTicks;
    private long _nextUnknownVersionRefreshAtTicks;

    public MasterKeyRing(IMasterKeySource source, IOptions<EncryptionOptions> options, TimeProvider time, ILogger<MasterKeyRing> logger,
        Foundation.Telemetry.ServiceMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _metrics = metrics;
        _source = source;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>The newest enabled key version: every new ciphertext is written under it.</summary>
    public async ValueTask<MasterKey> GetCurrentAsync(CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Current;

    /// <summary>
    /// The key of <paramref name="version"/>, or null when no enabled version has that name. An unknown version prompts
    /// one early refresh (another instance may know a newer key), at most once per retry delay.
    /// </summary>
    public async ValueTask<MasterKey?> FindAsync(string version, CancellationToken cancellationToken)
    {
        var snapshot = await GetSnapshotAsync(cancellationToken);
        if (snapshot.ByVersion.TryGetValue(version, out var key))
        {
            return key;
        }

        var now = _time.GetUtcNow();
        var due = Interlocked.Read(ref _nextUnknownVersionRefreshAtTicks);
        if (now.UtcTicks < due
            || Interlocked.CompareExchange(ref _nextUnknownVersionRefreshAtTicks, (now + _options.KeyRefreshRetryDelay).UtcTicks, due) != due)
        {
            return null;
        }

        await TryRefreshAsync(waitForRunningRefresh: true, cancellationToken);
        return _snapshot!.ByVersion.GetValueOrDefault(version);
    }

    private async ValueTask<KeySnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is null)
        {
            await TryRefreshAsync(waitForRunningRefresh: true, cancellationToken);
            return _snapshot ?? throw new MasterKeyUnavailableException($"No master key could be loaded from {_source.Description}.");
        }

        if (_time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _nextRefreshAtTicks))
        {
            // Whoever finds the keys stale refreshes; everyone else keeps using the cached keys meanwhile.
            await TryRefreshAsync(waitForRunningRefresh: false, cancellationToken);
        }

        return _snapshot!;
    }

    private async Task TryRefreshAsync(bool waitForRunningRefresh, CancellationToken cancellationToken)
    {
        if (!waitForRunningRefresh && !await _refreshGate.WaitAsync(0, cancellationToken))
        {
            return;
        }

        if (waitForRunningRefresh)
        {
            await _refreshGate.WaitAsync(cancellationToken);
        }

        try
        {
            IReadOnlyList<MasterKey> loaded;
            try
            {
                loaded = await _source.LoadEnabledKeysAsync(cancellationToken);
            }
            catch (MasterKeyUnavailableException exception)
            {
                _metrics?.MasterKeyUnavailable();
                Interlocked.Exchange(ref _nextRefreshAtTicks, (_time.GetUtcNow() + _options.KeyRefreshRetryDelay).UtcTicks);
                if (_snapshot is null)
                {
                    throw;
                }

                LogRefreshFailedServingCached(_logger, exception, _source.Description, _snapshot.ByVersion.Count);
                return;
            }

            Install(loaded);
            Interlocked.Exchange(ref _nextRefreshAtTicks, (_time.GetUtcNow() + _options.KeyRefreshInterval).UtcTicks);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private void Install(IReadOnlyList<MasterKey> loaded)
    {
        if (loaded.Count == 0)
        {
            if (_snapshot is null)
            {
                throw new MasterKeyUnavailableException($"{_source.Description} has no enabled key version.");
            }

            LogNoEnabledVersion(_logger, _source.Description);
            return;
        }

        var previous = _snapshot;
        var byVersion = new Dictionary<string, MasterKey>(StringComparer.Ordinal);
        foreach (var key in loaded)
        {
            // A version's value never changes, so an already loaded key is kept and the fresh copy zeroed.
            if (previous is not null && previous.ByVersion.TryGetValue(key.Version, out var existing) && existing.HasSameMaterialAs(key))
            {
                byVersion[key.Version] = existing;
                key.Dispose();
            }
            else
            {
                byVersion[key.Version] = key;
            }
        }

        // The newest version that has not expired encrypts; expired ones only decrypt. With none left, the newest still
        // does rather than nothing (the expiry is a rotation reminder, not a reason to stop connecting users), and a
        // warning says so.
        var now = _time.GetUtcNow();
        var byAge = byVersion.Values.OrderBy(k => k.CreatedAt).ThenBy(k => k.Version, StringComparer.Ordinal).ToList();
        var current = byAge.LastOrDefault(k => k.MayEncryptAt(now)) ?? byAge[^1];
        if (!current.MayEncryptAt(now))
        {
            LogAllVersionsExpired(_logger, _source.Description, current.Version);
        }

        _snapshot = new KeySnapshot(byVersion, current);
        if (previous is not null)
        {
            foreach (var (version, key) in previous.ByVersion)
            {
                if (!byVersion.TryGetValue(version, out var kept) || !ReferenceEquals(kept, key))
                {
                    key.Dispose();
                }
            }
        }

        if (previous?.Current.Version != current.Version)
        {
            LogCurrentVersion(_logger, current.Version, byVersion.Count, _source.Description);
        }
    }

    public void Dispose()
    {
        if (_snapshot is { } snapshot)
        {
            foreach (var key in snapshot.ByVersion.Values)
            {
                key.Dispose();
            }
        }

        _refreshGate.Dispose();
    }

    private sealed record KeySnapshot(IReadOnlyDictionary<string, MasterKey> ByVersion, MasterKey Current);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information,
        Message = "Master key version {Version} encrypts new secrets ({Count} enabled versions in {Source})")]
    private static partial void LogCurrentVersion(ILogger logger, string version, int count, string source);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "Refreshing master keys from {Source} failed; the {Count} cached versions keep serving")]
    private static partial void LogRefreshFailedServingCached(ILogger logger, Exception exception, string source, int count);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error,
        Message = "{Source} reported no enabled key version; cached versions keep serving until one is enabled")]
    private static partial void LogNoEnabledVersion(ILogger logger, string source);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning,
        Message = "Every version of {Source} has expired; the newest, {Version}, keeps encrypting until a new version is added")]
    private static partial void LogAllVersionsExpired(ILogger logger, string source, string version);
}
