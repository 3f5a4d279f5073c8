using Azure;
using Credentials.Functions.Connections;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Refresh;

/// <summary>
/// One refresh flight's lease on a connection record: its time plan, the record as this flight last wrote or read it
/// (<see cref="Current"/>), and the heartbeat that renews the lease every third of its duration for the whole flight,
/// storing included. A live holder is never taken over, however slow storage is: another flight takes an expired lease
/// only when the holder has been silent for <see cref="RefreshOptions.AbandonedLeaseTimeout"/>, or, at a provider with a
/// reuse grace, while presenting the old refresh token is still inside that grace (<see cref="MayTakeOver"/>). The
/// flight's writes and the heartbeat take turns (<see cref="ExclusiveAsync"/>), so neither writes over the other.
/// </summary>
public sealed partial class RefreshLease : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _renewalCapped;

    /// <param name="owner">The lease owner id written to the record: one per refresh flight, so two flights of one instance exclude each other too.</param>
    /// <param name="renewalCapped">
    /// A provider with a reuse grace: renew to at most twice the duration after the lease was taken, so that after a crash
    /// another flight takes over while the old refresh token is still inside the grace.
    /// </param>
    public RefreshLease(string owner, DateTimeOffset leasedAt, TimeSpan duration, bool renewalCapped = false)
    {
        Owner = owner;
        LeasedAt = leasedAt;
        Duration = duration;
        ExpiresAt = leasedAt + duration;
        _renewalCapped = renewalCapped;
    }

    public string Owner { get; }

    public DateTimeOffset LeasedAt { get; }

    public TimeSpan Duration { get; }

    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>
    /// When a provider call that starts at <paramref name="now"/> must have ended: half a lease from its start, however
    /// long taking the lease took (the heartbeat, not this deadline, keeps the lease).
    /// </summary>
    public DateTimeOffset ProviderDeadline(DateTimeOffset now) => now + (Duration / 2);

    public TimeSpan HeartbeatInterval => Duration / 3;

    /// <summary>The record as this flight last wrote or read it (with its ETag); the basis of the flight's next write.</summary>
    public ConnectionRecord? Current { get; private set; }

    /// <summary>The lease a provider gets: the configured one, or a third of the provider's reuse grace when that is shorter.</summary>
    public static TimeSpan For(TimeSpan configured, TimeSpan? rotationGracePeriod) =>
        rotationGracePeriod is { } grace && grace / 3 < configured ? grace / 3 : configured;

    /// <summary>
    /// Whether the flight <paramref name="owner"/> may take the lease of <paramref name="record"/> now: it is free, ours, or
    /// expired and either abandoned (no heartbeat for <paramref name="abandonedAfter"/>) or, at a provider with a reuse
    /// grace, young enough that any token its holder rotated is still accepted in the old one's place. A holder that is
    /// merely slow (storage slower than the lease) is never taken over, so its rotated token is never presented again.
    /// </summary>
    public static bool MayTakeOver(ConnectionRecord record, string owner, TimeSpan? rotationGracePeriod, TimeSpan lease, TimeSpan abandonedAfter,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.LeaseOwner is null || record.LeaseOwner == owner || record.LeaseExpiresAt is not { } expiresAt)
        {
            return true;
        }

        if (expiresAt > now)
        {
            return false;
        }

        if (now - (record.LeaseRenewedAt ?? expiresAt) >= abandonedAfter)
        {
            return true;
        }

        // Whatever the holder rotated, it rotated after it took the lease; half a lease is left for this flight's own
        // lease write and provider call to present the old token inside the grace.
        return rotationGracePeriod is { } grace && record.LeaseTakenAt is { } takenAt && now < takenAt + grace - (lease / 2);
    }

    /// <summary>Until when a heartbeat at <paramref name="now"/> extends the lease; null when it may not be extended any more.</summary>
    public DateTimeOffset? RenewedExpiry(DateTimeOffset now)
    {
        if (!_renewalCapped)
        {
            return now + Duration;
        }

        var latest = LeasedAt + (2 * Duration);
        return ExpiresAt >= latest ? null : now + Duration < latest ? now + Duration : latest;
    }

    /// <summary>This flight wrote or read <paramref name="record"/>: it is the newest copy the flight knows.</summary>
    public void Observe(ConnectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Current = record;
    }

    /// <summary>A turn to write: the flight's writes and the heartbeat never overlap, so each starts from the newest copy.</summary>
    public async Task<IDisposable> ExclusiveAsync()
    {
        await _turn.WaitAsync(CancellationToken.None);
        return new Turn(_turn);
    }

    /// <summary>Renews the lease every <see cref="HeartbeatInterval"/> until the flight ends or the lease is released or lost.</summary>
    public void StartHeartbeat(IConnectionRecords store, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        _ = HeartbeatAsync(store, time, logger, _stop.Token);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task HeartbeatAsync(IConnectionRecords store, TimeProvider time, ILogger logger, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(HeartbeatInterval, time, stop);
                using (await ExclusiveAsync())
                {
                    var now = time.GetUtcNow();
                    if (stop.IsCancellationRequested || Current is not { } current || current.LeaseOwner != Owner || RenewedExpiry(now) is not { } expiry)
                    {
                        return;
                    }

                    try
                    {
                        var renewed = await store.ReplaceAsync(current.LeaseRenewed(now, expiry), CancellationToken.None);
                        if (renewed.Succeeded)
                        {
                            Current = renewed.Record;
                            ExpiresAt = expiry;
                        }
                        else if (await store.GetAsync(ConnectionKey.Of(current), CancellationToken.None) is { } reread)
                        {
                            // Someone else wrote (a LastUsedAt mark, or a takeover): renew from the new copy, if still ours.
                            Current = reread;
                        }
                        else
                        {
                            return;
                        }
                    }
                    catch (Exception exception) when (exception is RequestFailedException or TimeoutException or OperationCanceledException or HttpRequestException)
                    {
                        LogHeartbeatFailed(logger, current.ProviderId, (exception as RequestFailedException)?.Status ?? 0);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The flight ended.
        }
        catch (ObjectDisposedException)
        {
            // The flight ended while this heartbeat waited for its turn.
        }
    }

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "A {ProviderId} refresh lease could not be renewed (HTTP {Status}; 0: no answer); the holder keeps trying")]
    private static partial void LogHeartbeatFailed(ILogger logger, string providerId, int status);

    private sealed class Turn(SemaphoreSlim turn) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                turn.Release();
            }
        }
    }
}
