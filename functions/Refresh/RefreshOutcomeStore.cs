using System.Security.Cryptography;
using System.Text;
using Azure;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Events;
using Credentials.Functions.Hosting.Resilience;
using Credentials.Functions.Hosting.Telemetry;
using Credentials.Functions.Providers;
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
    ConnectionStore store,
    ConnectionSecrets secrets,
    AuditLog audit,
    ServiceMetrics metrics,
    GrantRevoker revoker,
    TimeProvider time,
    ILogger<RefreshOutcomeStore> logger)
{
    private const int MaxPersistAttempts = 6;
    private static readonly TimeSpan MaxPersistBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Writes <paramref name="apply"/>(record) conditionally, with the status event the change causes. On a conflict it
    /// re-reads: if the record already holds <paramref name="receivedRefreshToken"/>, an earlier attempt landed (its
    /// answer was lost); if it still holds the refresh token this refresh used, the change is applied again to the newer
    /// copy; otherwise this result is superseded. Each write is bounded by the lease (<see cref="RefreshLease"/>), which
    /// is renewed when storing runs late; storage errors are retried, because after a rotation the new refresh token
    /// exists nowhere else.
    /// </summary>
    public async Task<(PersistStatus Status, ConnectionRecord? Record)> PersistAsync(RefreshLease lease, ConnectionRecord basis,
        string usedRefreshToken, string? receivedRefreshToken, string reason, Func<ConnectionRecord, ValueTask<ConnectionRecord>> apply)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(apply);
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            using var budget = new CancellationTokenSource(lease.AttemptBudget(now), time);
            try
            {
                if (basis.LeaseOwner == lease.Owner && lease.ShouldRenew(now))
                {
                    var expiresAt = lease.RenewedExpiry(now);
                    var renewed = await store.ReplaceAsync(basis.LeaseRenewed(expiresAt), budget.Token);
                    if (renewed.Succeeded)
                    {
                        lease.Renewed(expiresAt);
                        LogLeaseRenewed(logger, basis.ProviderId);
                        basis = renewed.Record!;
                        continue;
                    }
                }
                else
                {
                    var next = await apply(basis);
                    var written = await store.ReplaceAsync(next, ConnectionStatusEvent.Between(basis, next, reason, now), budget.Token);
                    if (written.Succeeded)
                    {
                        return (PersistStatus.Written, written.Record);
                    }
                }

                var current = await store.GetAsync(basis.UserId, basis.ConnectionId, budget.Token);
                if (current is null)
                {
                    return (PersistStatus.Deleted, null);
                }

                if (receivedRefreshToken is not null && await HoldsRefreshTokenAsync(current, receivedRefreshToken))
                {
                    return (PersistStatus.Written, current);
                }

                if (!await HoldsRefreshTokenAsync(current, usedRefreshToken))
                {
                    return (PersistStatus.Superseded, null);
                }

                basis = current;
            }
            catch (Exception exception) when (attempt < MaxPersistAttempts && IsRetryable(exception, budget))
            {
                LogPersistRetry(logger, (exception as RequestFailedException)?.Status ?? 0, attempt);
                await Task.Delay(Backoff.Delay(attempt + 1, MaxPersistBackoff), time);
            }
            catch (Exception exception) when (IsRetryable(exception, budget))
            {
                LogPersistFailed(logger, basis.ProviderId, (exception as RequestFailedException)?.Status ?? 0);
                throw;
            }
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

    /// <summary>A storage error, or a write that ran out of its share of the lease.</summary>
    private static bool IsRetryable(Exception exception, CancellationTokenSource budget) =>
        exception is RequestFailedException || (exception is OperationCanceledException && budget.IsCancellationRequested);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "A {ProviderId} refresh result was superseded by a newer stored grant and dropped (revocation: {Revocation})")]
    private static partial void LogSuperseded(ILogger logger, string providerId, string revocation);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Storing a {ProviderId} refresh outcome ran late: the lease was renewed")]
    private static partial void LogLeaseRenewed(ILogger logger, string providerId);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Storing a refresh outcome failed (HTTP {Status}; 0: out of time), attempt {Attempt}; retrying")]
    private static partial void LogPersistRetry(ILogger logger, int status, int attempt);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Critical, Message = "A refreshed {ProviderId} connection could not be stored (HTTP {Status}); a rotated refresh token may be lost")]
    private static partial void LogPersistFailed(ILogger logger, string providerId, int status);
}
