using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Events;
using Credentials.Functions.Hosting.Telemetry;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

/// <summary>
/// The one refresh path of the service (API and maintenance timer alike). Per connection it is single-flight inside an
/// instance (concurrent callers share one task) and across instances (a lease taken with a conditional write on the
/// record: one instance refreshes, the others wait and re-read). A rotated refresh token is persisted before anyone is
/// answered, with retries, and never overwrites a newer grant. See docs/refresh.md.
/// </summary>
public sealed partial class RefreshEngine(
    ConnectionStore store,
    ConnectionSecrets secrets,
    ProviderCatalog providers,
    ProviderEndpointResolver endpoints,
    ProviderTokenClient tokens,
    AuditLog audit,
    GrantRevoker revoker,
    ProviderMisconfiguration misconfiguration,
    ServiceMetrics metrics,
    IOptions<RefreshOptions> options,
    TimeProvider time,
    ILogger<RefreshEngine> logger)
{
    private const int MaxRounds = 8;
    private const int MaxPersistAttempts = 6;
    private static readonly TimeSpan MaxPersistBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LeasePollInterval = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan MisconfiguredCooldown = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<(string, string), Task<RefreshResult>> _inFlight = new();

    /// <summary>Identifies this instance's leases; unique per engine, so two hosts in one process are two instances.</summary>
    public string InstanceId { get; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";

    public Task<RefreshResult> RefreshAsync(RefreshDemand demand, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(demand);
        var key = (demand.UserId, demand.ConnectionId);
        while (true)
        {
            if (_inFlight.TryGetValue(key, out var running))
            {
                return JoinAsync(running, cancellationToken);
            }

            var completion = new TaskCompletionSource<RefreshResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight.TryAdd(key, completion.Task))
            {
                // Not tied to the first caller's cancellation: others wait on it, and a rotation must be finished and stored.
                _ = RunAsync(demand, key, completion);
                return completion.Task.WaitAsync(cancellationToken);
            }
        }
    }

    /// <summary>A caller that joined a refresh in flight shares its outcome but did not refresh itself.</summary>
    private static async Task<RefreshResult> JoinAsync(Task<RefreshResult> running, CancellationToken cancellationToken) =>
        (await running.WaitAsync(cancellationToken)) with { Refreshed = false };

    private async Task RunAsync(RefreshDemand demand, (string, string) key, TaskCompletionSource<RefreshResult> completion)
    {
        try
        {
            completion.SetResult(await RefreshCoreAsync(demand));
        }
        catch (Exception exception)
        {
            completion.SetException(exception);
        }
        finally
        {
            _inFlight.TryRemove(new(key, completion.Task));
        }
    }

    private async Task<RefreshResult> RefreshCoreAsync(RefreshDemand demand)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var record = round == 0 && demand.KnownRecord is { ETag: not null } known
                ? known
                : await store.GetAsync(demand.UserId, demand.ConnectionId, CancellationToken.None);
            if (record is null)
            {
                return new RefreshResult(null, TokenFailureReason.NotFound, false);
            }

            if (record.Status == ConnectionStatus.ReauthorizationRequired)
            {
                return new RefreshResult(record, TokenFailureReason.ReauthorizationRequired, false, null, record.LastErrorCode);
            }

            var now = time.GetUtcNow();
            if (IsSatisfied(record, demand, now))
            {
                return new RefreshResult(record, null, false);
            }

            if (record.NextRefreshAllowedAt is { } allowedAt && allowedAt > now)
            {
                return new RefreshResult(record, TokenFailureReason.ProviderUnavailable, false, allowedAt - now, record.LastErrorCode);
            }

            if (record.LeaseOwner is { } owner && owner != InstanceId && record.LeaseExpiresAt > now)
            {
                await WaitForLeaseAsync(record);
                continue;
            }

            var lease = new RefreshLease(now, RefreshLease.For(options.Value.LeaseDuration, providers.Find(record.ProviderId)?.RotationGracePeriod));
            var leased = await store.ReplaceAsync(record with { LeaseOwner = InstanceId, LeaseExpiresAt = lease.ExpiresAt }, CancellationToken.None);
            if (!leased.Succeeded)
            {
                continue;
            }

            var result = await RefreshUnderLeaseAsync(leased.Record!, demand, lease);
            if (result is not null)
            {
                return result;
            }
        }

        return new RefreshResult(null, TokenFailureReason.Busy, false, TimeSpan.FromSeconds(1));
    }

    private static bool IsSatisfied(ConnectionRecord record, RefreshDemand demand, DateTimeOffset now) =>
        TokenFreshness.Satisfies(record, demand.MinValidity, now)
        && (demand.RefreshedSince is not { } since || record.LastRefreshSucceededAt >= since);

    /// <summary>Waits until the other instance's lease is released (the record changes) or runs out.</summary>
    private async Task WaitForLeaseAsync(ConnectionRecord leasedByOther)
    {
        var deadline = leasedByOther.LeaseExpiresAt!.Value + TimeSpan.FromSeconds(1);
        while (time.GetUtcNow() < deadline)
        {
            await Task.Delay(LeasePollInterval, time);
            var current = await store.GetAsync(leasedByOther.UserId, leasedByOther.ConnectionId, CancellationToken.None);
            if (current is null || current.ETag != leasedByOther.ETag)
            {
                return;
            }
        }
    }

    /// <summary>Null when the round must start over (the grant changed under us); otherwise the answer.</summary>
    private async Task<RefreshResult?> RefreshUnderLeaseAsync(ConnectionRecord leased, RefreshDemand demand, RefreshLease lease)
    {
        var usedRefreshToken = await secrets.ReadRefreshTokenAsync(leased, CancellationToken.None);
        var response = await CallProviderAsync(leased, usedRefreshToken, lease.ProviderDeadline);
        var now = time.GetUtcNow();

        if (response.Grant is { } grant)
        {
            var (status, written) = await PersistAsync(lease, leased, usedRefreshToken, grant.RefreshToken, "refreshed", async current =>
                await secrets.WithTokensAsync(
                    current.Healthy(now) with
                    {
                        RefreshAttempts = current.RefreshAttempts + 1,
                        Scopes = grant.GrantedScopes ?? current.Scopes,
                    },
                    grant.RefreshToken ?? usedRefreshToken, grant.AccessToken, grant.AccessTokenExpiresAt, grant.TokenType, CancellationToken.None));
            if (status == PersistStatus.Superseded)
            {
                await DropSupersededGrantAsync(demand, leased, usedRefreshToken, grant.RefreshToken);
                return null;
            }

            await AuditAsync(demand, leased, "success", grant.RefreshToken is null ? "not_rotated" : "rotated");
            LogRefreshed(logger, leased.ProviderId, grant.RefreshToken is not null);
            return status == PersistStatus.Written
                ? new RefreshResult(written, null, true)
                : new RefreshResult(null, TokenFailureReason.NotFound, false);
        }

        var failure = response.Failure!;
        if (failure.Kind == TokenFailureKind.InvalidGrant)
        {
            // Final only if the stored refresh token is still the one refused: another instance may have rotated it.
            var current = await store.GetAsync(leased.UserId, leased.ConnectionId, CancellationToken.None);
            if (current is null)
            {
                return new RefreshResult(null, TokenFailureReason.NotFound, false);
            }

            if (!await HoldsRefreshTokenAsync(current, usedRefreshToken))
            {
                return null;
            }

            var (status, written) = await PersistAsync(lease, current, usedRefreshToken, null, failure.ErrorCode, current => ValueTask.FromResult(Released(current) with
            {
                Status = ConnectionStatus.ReauthorizationRequired,
                UpdatedAt = now,
                LastRefreshFailedAt = now,
                LastErrorCode = failure.ErrorCode,
                AccessTokenEnvelope = null,
                AccessTokenExpiresAt = null,
                AccessTokenType = null,
            }));
            await AuditAsync(demand, leased, "failed", failure.ErrorCode);
            LogGrantGone(logger, leased.ProviderId);
            return status == PersistStatus.Superseded ? null : new RefreshResult(written, status == PersistStatus.Deleted
                ? TokenFailureReason.NotFound : TokenFailureReason.ReauthorizationRequired, false, null, failure.ErrorCode);
        }

        if (failure.Kind == TokenFailureKind.Misconfigured)
        {
            return await ClientRefusedAsync(lease, leased, usedRefreshToken, demand, failure, now);
        }

        var failures = leased.ConsecutiveFailures + 1;
        var cooldown = Cooldown(failures);
        if (failure.RetryAfter is { } retryAfter && retryAfter > cooldown)
        {
            cooldown = retryAfter < options.Value.MaxCooldown ? retryAfter : options.Value.MaxCooldown;
        }

        var failingSince = leased.FailingSince ?? now;
        var newStatus = now - failingSince >= options.Value.GiveUpAfter ? ConnectionStatus.ReauthorizationRequired
            : failures >= options.Value.FailuresBeforeRefreshFailing ? ConnectionStatus.RefreshFailing
            : leased.Status;
        var (failedStatus, failedRecord) = await PersistAsync(lease, leased, usedRefreshToken, null, failure.ErrorCode, current => ValueTask.FromResult(Released(current) with
        {
            Status = newStatus,
            UpdatedAt = now,
            LastRefreshFailedAt = now,
            FailingSince = current.FailingSince ?? failingSince,
            ConsecutiveFailures = failures,
            LastErrorCode = failure.ErrorCode,
            NextRefreshAllowedAt = now + cooldown,
        }));
        await AuditAsync(demand, leased, "failed", failure.ErrorCode);
        if (failedStatus == PersistStatus.Superseded)
        {
            return null;
        }

        var reason = newStatus == ConnectionStatus.ReauthorizationRequired ? TokenFailureReason.ReauthorizationRequired
            : failure.Kind == TokenFailureKind.Rejected ? TokenFailureReason.ProviderRejected
            : TokenFailureReason.ProviderUnavailable;
        return new RefreshResult(failedRecord, failedStatus == PersistStatus.Deleted ? TokenFailureReason.NotFound : reason, false, cooldown, failure.ErrorCode);
    }

    /// <summary>
    /// The stored grant changed while this refresh was at the provider (a reconnect, or an instance that took over an
    /// expired lease), so the stored one is kept. The refresh token this refresh received is not dropped silently: it
    /// is audited, logged, and revoked where revoking one token cannot end the stored grant with it.
    /// </summary>
    private async Task DropSupersededGrantAsync(RefreshDemand demand, ConnectionRecord leased, string usedRefreshToken, string? receivedRefreshToken)
    {
        var revocation = receivedRefreshToken is null
            || CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(receivedRefreshToken), Encoding.UTF8.GetBytes(usedRefreshToken))
            ? "not_rotated"
            : await revoker.RevokeDroppedAsync(leased.ProviderId, receivedRefreshToken, CancellationToken.None);
        LogSuperseded(logger, leased.ProviderId, revocation);
        await AuditAsync(demand, leased, "dropped", "superseded;" + revocation);
    }

    /// <summary>
    /// The provider refused the service's own client: the connection keeps its status and failure count (it is not the
    /// user's grant that failed), pauses for <see cref="MisconfiguredCooldown"/> so that every request does not hit the
    /// provider again, and the misconfiguration is reported once per provider per interval.
    /// </summary>
    private async Task<RefreshResult?> ClientRefusedAsync(
        RefreshLease lease, ConnectionRecord leased, string usedRefreshToken, RefreshDemand demand, TokenFailure failure, DateTimeOffset now)
    {
        misconfiguration.Report(leased.ProviderId, failure.ErrorCode);
        var (status, written) = await PersistAsync(lease, leased, usedRefreshToken, null, failure.ErrorCode, current => ValueTask.FromResult(Released(current) with
        {
            UpdatedAt = now,
            LastRefreshFailedAt = now,
            LastErrorCode = failure.ErrorCode,
            NextRefreshAllowedAt = now + MisconfiguredCooldown,
        }));
        await AuditAsync(demand, leased, "failed", failure.ErrorCode);
        return status switch
        {
            PersistStatus.Superseded => null,
            PersistStatus.Deleted => new RefreshResult(null, TokenFailureReason.NotFound, false),
            _ => new RefreshResult(written, TokenFailureReason.ProviderRejected, false, MisconfiguredCooldown, failure.ErrorCode),
        };
    }

    private async Task<TokenResponse> CallProviderAsync(ConnectionRecord record, string refreshToken, DateTimeOffset deadline)
    {
        if (providers.Find(record.ProviderId) is not { } provider)
        {
            return TokenResponse.Failed(TokenFailureKind.Rejected, "unknown_provider");
        }

        TokenResponse response = default;
        for (var attempt = 0; attempt <= options.Value.MaxProviderRetries; attempt++)
        {
            if (attempt > 0)
            {
                var delay = options.Value.ProviderRetryDelay * (1 << (attempt - 1));
                if (response.Failure?.RetryAfter is { } retryAfter)
                {
                    delay = retryAfter > delay ? retryAfter : delay;
                }

                if (time.GetUtcNow() + delay >= deadline)
                {
                    break;
                }

                await Task.Delay(delay, time);
            }

            using var budget = new CancellationTokenSource(deadline - time.GetUtcNow() is var left && left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), time);
            try
            {
                var resolved = await endpoints.ResolveAsync(provider, budget.Token);
                response = await tokens.RefreshAsync(provider, resolved, refreshToken, budget.Token);
            }
            catch (ProviderUnavailableException)
            {
                response = TokenResponse.Failed(TokenFailureKind.Unavailable, "provider_unavailable");
            }
            catch (OperationCanceledException) when (budget.IsCancellationRequested)
            {
                return TokenResponse.Failed(TokenFailureKind.Unavailable, "provider_timeout");
            }

            if (response.Failure?.Kind != TokenFailureKind.Unavailable)
            {
                return response;
            }
        }

        return response;
    }

    private enum PersistStatus
    {
        Written,
        Deleted,

        /// <summary>The stored refresh token is no longer the one this refresh used (a reconnect, or a takeover): ours is dropped.</summary>
        Superseded,
    }

    /// <summary>
    /// Writes <paramref name="apply"/>(record) conditionally, with the status event the change causes. On a conflict it
    /// re-reads: if the record already holds <paramref name="receivedRefreshToken"/>, an earlier attempt landed (its
    /// answer was lost); if it still holds the refresh token this refresh used, the change is applied again to the newer
    /// copy; otherwise this result is superseded. Each write is bounded by the lease (<see cref="RefreshLease"/>), which
    /// is renewed when storing runs late; storage errors are retried, because after a rotation the new refresh token
    /// exists nowhere else.
    /// </summary>
    private async Task<(PersistStatus, ConnectionRecord?)> PersistAsync(RefreshLease lease, ConnectionRecord basis, string usedRefreshToken,
        string? receivedRefreshToken, string reason, Func<ConnectionRecord, ValueTask<ConnectionRecord>> apply)
    {
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            using var budget = new CancellationTokenSource(lease.AttemptBudget(now), time);
            try
            {
                if (basis.LeaseOwner == InstanceId && lease.ShouldRenew(now))
                {
                    var expiresAt = lease.RenewedExpiry(now);
                    var renewed = await store.ReplaceAsync(basis with { LeaseExpiresAt = expiresAt }, budget.Token);
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
                await Task.Delay(Hosting.Resilience.Backoff.Delay(attempt + 1, MaxPersistBackoff), time);
            }
            catch (Exception exception) when (IsRetryable(exception, budget))
            {
                LogPersistFailed(logger, basis.ProviderId, (exception as RequestFailedException)?.Status ?? 0);
                throw;
            }
        }
    }

    /// <summary>A storage error, or a write that ran out of its share of the lease.</summary>
    private static bool IsRetryable(Exception exception, CancellationTokenSource budget) =>
        exception is RequestFailedException || (exception is OperationCanceledException && budget.IsCancellationRequested);

    private async Task<bool> HoldsRefreshTokenAsync(ConnectionRecord record, string refreshToken)
    {
        var stored = await secrets.ReadRefreshTokenAsync(record, CancellationToken.None);
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(stored), Encoding.UTF8.GetBytes(refreshToken));
    }

    private static ConnectionRecord Released(ConnectionRecord record) => record with { LeaseOwner = null, LeaseExpiresAt = null };

    private TimeSpan Cooldown(int failures)
    {
        var cooldown = options.Value.FirstCooldown * Math.Pow(2, Math.Min(failures - 1, 20));
        return cooldown < options.Value.MaxCooldown ? cooldown : options.Value.MaxCooldown;
    }

    private Task AuditAsync(RefreshDemand demand, ConnectionRecord record, string outcome, string reason)
    {
        metrics.Refreshed(record.ProviderId, outcome, outcome == "success" ? null : reason.Split(';')[0]);
        return audit.AppendAsync(new AuditEvent(demand.Trigger, record.UserId, record.ConnectionId, AuditActions.Refresh, outcome, demand.CorrelationId,
            time.GetUtcNow(), reason), CancellationToken.None);
    }

    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Refreshed a {ProviderId} connection (refresh token rotated: {Rotated})")]
    private static partial void LogRefreshed(ILogger logger, string providerId, bool rotated);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "A {ProviderId} grant is gone (invalid_grant on the stored refresh token): reauthorization required")]
    private static partial void LogGrantGone(ILogger logger, string providerId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Storing a {ProviderId} refresh outcome ran late: the lease was renewed")]
    private static partial void LogLeaseRenewed(ILogger logger, string providerId);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "A {ProviderId} refresh result was superseded by a newer stored grant and dropped (revocation: {Revocation})")]
    private static partial void LogSuperseded(ILogger logger, string providerId, string revocation);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Storing a refresh outcome failed (HTTP {Status}; 0: out of time), attempt {Attempt}; retrying")]
    private static partial void LogPersistRetry(ILogger logger, int status, int attempt);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Critical, Message = "A refreshed {ProviderId} connection could not be stored (HTTP {Status}); a rotated refresh token may be lost")]
    private static partial void LogPersistFailed(ILogger logger, string providerId, int status);
}
