using System.Security.Cryptography;
using System.Text;
using Azure;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Resilience;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Refresh;

/// <summary>How storing a refresh outcome ended.</summary>
public enum PersistStatus
{
    Written,
    Deleted,

    /// <summary>The stored refresh token is no longer the one this refresh used (a reconnect, or a takeover): ours is dropped.</summary>
    Superseded,
}

/// <summary>
/// The one place a refresh outcome is stored, published and audited: the changed record is written conditionally
/// together with the status event it causes (the outbox row), and the outcome is then audited and counted.
/// </summary>
public sealed partial class RefreshOutcomeStore(
    IConnectionRecords store,
    ConnectionSecrets secrets,
    AuditLog audit,
    ServiceMetrics metrics,
    GrantRevoker revoker,
    TimeProvider time,
    ILogger<RefreshOutcomeStore> logger,
    IHostApplicationLifetime? lifetime = null)
{
    /// <summary>A critical log every this many failed attempts to store one outcome (about once a minute at the backoff cap).</summary>
    private const int AttemptsBetweenAlerts = 6;
    private static readonly TimeSpan MaxPersistBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Writes <paramref name="apply"/>(record) conditionally on the newest copy the flight knows (<see cref="RefreshLease.Current"/>),
    /// with the status event the change causes. On a conflict it re-reads: if the record already holds
    /// <paramref name="receivedRefreshToken"/>, an earlier attempt landed (its answer was lost); if it still holds the
    /// refresh token this refresh used, the change is applied again to the newer copy; otherwise this result is
    /// superseded. Storage errors and timeouts are retried for as long as the process lives, never given up on a time
    /// budget: after a rotation the new refresh token exists nowhere else, and the lease's heartbeat keeps every other
    /// instance from presenting the old one meanwhile.
    /// </summary>
    public async Task<(PersistStatus Status, ConnectionRecord? Record)> PersistAsync(RefreshLease lease, string usedRefreshToken, string? receivedRefreshToken,
        string reason, Func<ConnectionRecord, ValueTask<ConnectionRecord>> apply)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(apply);
        var stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
        for (var attempt = 1; ; attempt++)
        {
            var basis = lease.Current ?? throw new InvalidOperationException("A refresh outcome is stored under a lease that observed the record.");
            try
            {
                using (await lease.ExclusiveAsync())
                {
                    basis = lease.Current!;
                    // Another flight holds the lease (this flight's own earlier write landed and released it, its answer
                    // lost): that flight may be presenting the stored refresh token now. An outcome without a rotation must
                    // not clear its lease, or a third flight would present that token again.
                    if (receivedRefreshToken is null && basis.LeaseOwner is { } holder && holder != lease.Owner)
                    {
                        return (PersistStatus.Superseded, null);
                    }

                    var now = time.GetUtcNow();
                    var next = await apply(basis);
                    if (receivedRefreshToken is null)
                    {
                        next = next.KeepingTakenOverLease(basis, lease.LeasedAt);
                    }

                    var written = await store.ReplaceAsync(next, ConnectionStatusEvent.Between(basis, next, reason, now), CancellationToken.None);
                    if (written.Succeeded)
                    {
                        lease.Observe(written.Record!);
                        return (PersistStatus.Written, written.Record);
                    }

                    var current = await store.GetAsync(ConnectionKey.Of(basis), CancellationToken.None);
                    if (current is null)
                    {
                        return (PersistStatus.Deleted, null);
                    }

                    lease.Observe(current);
                    if (receivedRefreshToken is not null && await HoldsRefreshTokenAsync(current, receivedRefreshToken))
                    {
                        return (PersistStatus.Written, current);
                    }

                    if (!await HoldsRefreshTokenAsync(current, usedRefreshToken)
                        || (receivedRefreshToken is null && current.LeaseOwner is { } other && other != lease.Owner))
                    {
                        return (PersistStatus.Superseded, null);
                    }
                }
            }
            catch (Exception exception) when (IsTransient(exception) && !stopping.IsCancellationRequested)
            {
                var status = (exception as RequestFailedException)?.Status ?? 0;
                LogPersistRetry(logger, status, attempt);
                if (attempt % AttemptsBetweenAlerts == 0)
                {
                    LogStillNotStored(logger, basis.ProviderId, status, attempt);
                }

                await Task.Delay(Backoff.Delay(attempt + 1, MaxPersistBackoff), time);
            }
            catch (Exception exception) when (IsTransient(exception))
            {
                LogLostAtShutdown(logger, basis.ProviderId, (exception as RequestFailedException)?.Status ?? 0);
                throw;
            }
        }
    }

    /// <summary>
    /// Releases a lease under which nothing was presented to the provider (a lease taken over stays, see
    /// <see cref="ConnectionRecord.KeepingTakenOverLease"/>); a failure only leaves it to expire.
    /// </summary>
    public async Task ReleaseQuietlyAsync(RefreshLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            using (await lease.ExclusiveAsync())
            {
                if (lease.Current is { } current && current.LeaseOwner == lease.Owner && !ConnectionRecord.IsTakenOverLease(current, lease.LeasedAt)
                    && await store.ReplaceAsync(current.Released(), CancellationToken.None) is { Succeeded: true } released)
                {
                    lease.Observe(released.Record!);
                }
            }
        }
        catch (Exception exception) when (IsTransient(exception))
        {
            LogPersistRetry(logger, (exception as RequestFailedException)?.Status ?? 0, 1);
        }
    }

    /// <summary>Whether the stored record's refresh token is <paramref name="refreshToken"/> (compared in constant time).</summary>
    public async Task<bool> HoldsRefreshTokenAsync(ConnectionRecord record, string refreshToken)
    {
        var stored = await secrets.ReadRefreshTokenAsync(record, CancellationToken.None);
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(stored), Encoding.UTF8.GetBytes(refreshToken));
    }

    /// <summary>
    /// The stored grant changed while this refresh was at the provider (a reconnect, or an instance that took over an
    /// expired lease), so the stored one is kept. The refresh token this refresh received is not dropped silently: it
    /// is audited, logged, and revoked where revoking one token cannot end the stored grant with it.
    /// </summary>
    public async Task DropSupersededAsync(RefreshDemand demand, ConnectionRecord leased, string usedRefreshToken, string? receivedRefreshToken)
    {
        ArgumentNullException.ThrowIfNull(leased);
        var revocation = receivedRefreshToken is null
            || CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(receivedRefreshToken), Encoding.UTF8.GetBytes(usedRefreshToken))
            ? "not_rotated"
            : await revoker.RevokeDroppedAsync(leased.ProviderId, receivedRefreshToken, CancellationToken.None);
        LogSuperseded(logger, leased.ProviderId, revocation);
        await RecordAsync(demand, leased, "dropped", "superseded;" + revocation);
    }

    /// <summary>Audits and counts a refresh outcome (<c>success</c>, <c>failed</c> or <c>dropped</c>).</summary>
    public Task RecordAsync(RefreshDemand demand, ConnectionRecord record, string outcome, string reason)
    {
        ArgumentNullException.ThrowIfNull(demand);
        ArgumentNullException.ThrowIfNull(record);
        metrics.Refreshed(record.ProviderId, outcome, outcome == "success" ? null : reason.Split(';')[0]);
        return audit.AppendAsync(new AuditEvent(demand.Trigger, record.UserId, record.ConnectionId, AuditActions.Refresh, outcome, demand.CorrelationId,
            time.GetUtcNow(), reason), CancellationToken.None);
    }

    /// <summary>A storage error, or a storage call that timed out or lost its answer (the SDK's own network timeout).</summary>
    private static bool IsTransient(Exception exception) =>
        exception is RequestFailedException or TimeoutException or OperationCanceledException or HttpRequestException;

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "A {ProviderId} refresh result was superseded by a newer stored grant and dropped (revocation: {Revocation})")]
    private static partial void LogSuperseded(ILogger logger, string providerId, string revocation);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Storing a refresh outcome failed (HTTP {Status}; 0: no answer or timed out), attempt {Attempt}; retrying")]
    private static partial void LogPersistRetry(ILogger logger, int status, int attempt);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Critical, Message = "A refreshed {ProviderId} connection could not be stored yet (HTTP {Status}; 0: no answer) after {Attempts} attempts; retrying until it is: until then its rotated refresh token exists only in this instance's memory")]
    private static partial void LogStillNotStored(ILogger logger, string providerId, int status, int attempts);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Critical, Message = "A refreshed {ProviderId} connection could not be stored (HTTP {Status}) before this instance stopped; a rotated refresh token may be lost")]
    private static partial void LogLostAtShutdown(ILogger logger, string providerId, int status);
}
