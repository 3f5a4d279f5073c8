using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Resilience;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

/// <summary>
/// The one refresh path of the service (API and maintenance timer alike). Per connection it is single-flight inside an
/// instance (concurrent callers share one task) and across instances (a lease taken with a conditional write on the
/// record: one instance refreshes, the others wait and re-read). A rotated refresh token is persisted before anyone is
/// answered, with retries, and never overwrites a newer grant. See docs/refresh.md. The engine orchestrates; the
/// provider call is <see cref="ProviderRefresher"/>, storing an outcome is <see cref="RefreshOutcomeStore"/> (a failed
/// refresh's is <see cref="FailedRefreshOutcomes"/>, a narrower token's <see cref="NarrowedRefreshOutcomes"/>), and the
/// record's changes are its own transitions (<see cref="ConnectionRecord.Refreshed"/> and the others).
/// </summary>
public sealed partial class RefreshEngine(
    IConnectionRecords store,
    ConnectionSecrets secrets,
    ProviderCatalog providers,
    ProviderRefresher provider,
    RefreshOutcomeStore outcomes,
    NarrowedRefreshOutcomes narrowing,
    FailedRefreshOutcomes failures,
    ProviderRateGovernor governor,
    IOptions<RefreshOptions> options,
    TimeProvider time,
    ILogger<RefreshEngine> logger)
{
    private const int MaxRounds = 8;
    private static readonly TimeSpan LeasePollInterval = TimeSpan.FromMilliseconds(150);
    private readonly SingleFlight<(ConnectionKey, ScopeSet?), Result<UsableRecord, RefreshFailure>> _inFlight = new();
    private long _flights;

    /// <summary>Identifies this instance's leases; unique per engine, so two hosts in one process are two instances.</summary>
    public string InstanceId { get; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";

    /// <summary>One flight per connection and scope set: a narrower token's refresh and the stored token's refresh are two flights, which the lease serialises.</summary>
    public async Task<Result<UsableRecord, RefreshFailure>> RefreshAsync(RefreshDemand demand, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(demand);
        var shared = _inFlight.Join((demand.Connection, demand.NarrowTo), () => RefreshCoreAsync(demand), out var started);
        var result = await shared.WaitAsync(cancellationToken);
        // A caller that joined a refresh in flight shares its outcome but did not refresh itself.
        return started || !result.Succeeded ? result : result.Value with { Refreshed = false };
    }

    private async Task<Result<UsableRecord, RefreshFailure>> RefreshCoreAsync(RefreshDemand demand)
    {
        var leaseOwner = $"{InstanceId}/{Interlocked.Increment(ref _flights)}";
        for (var round = 0; round < MaxRounds; round++)
        {
            var record = round == 0 && demand.KnownRecord is { ETag: not null } known
                ? known
                : await store.GetAsync(demand.Connection, CancellationToken.None);
            if (record is null)
            {
                return RefreshFailure.NotFound;
            }

            if (record.Status == ConnectionStatus.ReauthorizationRequired)
            {
                return new RefreshFailure(TokenFailureReason.ReauthorizationRequired, record, null, record.LastErrorCode);
            }

            var now = time.GetUtcNow();
            if (IsSatisfied(record, demand, now))
            {
                return new UsableRecord(record, Refreshed: false);
            }

            if (record.NextRefreshAllowedAt is { } allowedAt && allowedAt > now)
            {
                return new RefreshFailure(TokenFailureReason.ProviderUnavailable, record, allowedAt - now, record.LastErrorCode);
            }

            if (demand.NarrowTo is { } narrowed && narrowing.IsCoolingDown(record, narrowed, now, out var cooling))
            {
                return cooling;
            }

            var grace = providers.Find(record.ProviderId)?.RotationGracePeriod;
            var duration = RefreshLease.For(options.Value.LeaseDuration, grace);
            if (!RefreshLease.MayTakeOver(record, leaseOwner, grace, duration, options.Value.AbandonedLeaseTimeout, now))
            {
                await WaitForLeaseAsync(record, leaseOwner, grace, duration);
                continue;
            }

            using var lease = new RefreshLease(leaseOwner, now, duration, renewalCapped: grace is not null);
            var takeover = record.LeaseOwner is { } previous && previous != leaseOwner;
            var leased = await store.ReplaceAsync(takeover ? record.TakenOverBy(leaseOwner, now, lease.ExpiresAt) : record.LeasedTo(leaseOwner, now, lease.ExpiresAt),
                CancellationToken.None);
            if (!leased.Succeeded)
            {
                continue;
            }

            if (takeover)
            {
                LogTakenOver(logger, record.ProviderId, (long)(now - (record.LeaseRenewedAt ?? record.LeaseExpiresAt ?? now)).TotalSeconds);
            }

            lease.Observe(leased.Record!);
            lease.StartHeartbeat(store, time, logger);
            if (await RefreshUnderLeaseAsync(leased.Record!, demand, lease, record, grace) is { } answer)
            {
                return answer;
            }
        }

        return RefreshFailure.Busy;
    }

    /// <summary>A narrower token is never stored, so only the provider can satisfy that demand.</summary>
    private static bool IsSatisfied(ConnectionRecord record, RefreshDemand demand, DateTimeOffset now) =>
        demand.NarrowTo is null
        && TokenFreshness.Satisfies(record, demand.MinValidity, now)
        && (demand.RefreshedSince is not { } since || record.LastRefreshSucceededAt >= since);

    /// <summary>
    /// Waits until the holder's record changes (its heartbeat, or its result) or its lease may be taken over: never while
    /// a live holder may still store a token it rotated.
    /// </summary>
    private async Task WaitForLeaseAsync(ConnectionRecord leasedByOther, string leaseOwner, TimeSpan? grace, TimeSpan duration)
    {
        while (true)
        {
            await Task.Delay(LeasePollInterval, time);
            var current = await store.GetAsync(ConnectionKey.Of(leasedByOther), CancellationToken.None);
            if (current is null || current.ETag != leasedByOther.ETag
                || RefreshLease.MayTakeOver(current, leaseOwner, grace, duration, options.Value.AbandonedLeaseTimeout, time.GetUtcNow()))
            {
                return;
            }
        }
    }

    /// <summary>Null when the round must start over (the grant changed under us); otherwise the answer.</summary>
    private async Task<Result<UsableRecord, RefreshFailure>?> RefreshUnderLeaseAsync(ConnectionRecord leased, RefreshDemand demand, RefreshLease lease, ConnectionRecord takenFrom,
        TimeSpan? grace)
    {
        string usedRefreshToken;
        try
        {
            usedRefreshToken = await secrets.ReadRefreshTokenAsync(leased, CancellationToken.None);
        }
        catch
        {
            // Nothing was presented to the provider: free the lease at once rather than leave others waiting for it.
            await outcomes.ReleaseQuietlyAsync(lease);
            throw;
        }

        var presentAt = time.GetUtcNow();
        if (!RefreshLease.MayTakeOver(takenFrom, lease.Owner, grace, lease.Duration, options.Value.AbandonedLeaseTimeout, presentAt))
        {
            // A takeover inside the reuse grace whose lease write (or key read) took so long that the old token would now
            // reach the provider after the grace. The lease stays ours and silent: releasing it, or leasing anew, would
            // forget the chain's first lease start and let the next flight present the old token at once.
            LogTooLateToPresent(logger, leased.ProviderId);
            return RefreshFailure.Busy;
        }

        if (await governor.AdmitAsync(leased.ProviderId, null, demand.Deferrable, CancellationToken.None) is { } wait)
        {
            // Refused here rather than by the provider: nothing was presented, so nothing about the connection changes.
            await outcomes.ReleaseQuietlyAsync(lease);
            return new RefreshFailure(TokenFailureReason.ProviderRateLimited, null, wait, "provider_rate_limited");
        }

        var response = await provider.RefreshAsync(leased.ProviderId, usedRefreshToken, lease.ProviderDeadline(presentAt), demand.NarrowTo?.Scopes);
        var now = time.GetUtcNow();
        if (response.Succeeded)
        {
            return demand.NarrowTo is { } scopes
                ? await narrowing.StoreAsync(lease, leased, demand, scopes, usedRefreshToken, response.Value, now)
                : await StoreGrantAsync(lease, leased, demand, usedRefreshToken, response.Value, now);
        }

        var failure = response.Failure;
        if (demand.NarrowTo is { } refused && NarrowedRefreshOutcomes.IsScopeRefusal(failure, refused, leased))
        {
            return await narrowing.RefusedAsync(lease, leased, demand, usedRefreshToken, failure);
        }

        if (demand.NarrowTo is { } unavailable && failure.Kind == TokenFailureKind.Unavailable)
        {
            // Only this scope set waits: the connection's own refreshes go on as if it had not been asked.
            return await narrowing.UnavailableAsync(lease, leased, demand, unavailable, usedRefreshToken, failure, now);
        }

        return failure.Kind switch
        {
            TokenFailureKind.InvalidGrant => await failures.GrantLostAsync(lease, leased, demand, usedRefreshToken, failure, now),
            TokenFailureKind.Misconfigured => await failures.ClientRefusedAsync(lease, leased, usedRefreshToken, demand, failure, now),
            _ => await failures.RefreshFailedAsync(lease, leased, demand, usedRefreshToken, failure, now),
        };
    }

    private async Task<Result<UsableRecord, RefreshFailure>?> StoreGrantAsync(
        RefreshLease lease, ConnectionRecord leased, RefreshDemand demand, string usedRefreshToken, TokenGrant grant, DateTimeOffset now)
    {
        // An import's proving refresh is this same write: the rotated token and the status active land together.
        var reason = leased.Status == ConnectionStatus.Importing ? "imported" : "refreshed";
        var (status, written) = await outcomes.PersistAsync(lease, usedRefreshToken, grant.RefreshToken, reason, async current =>
            await secrets.WithTokensAsync(current.Refreshed(now, grant.GrantedScopes, grant.InstanceUrl),
                grant.RefreshToken ?? usedRefreshToken, grant.AccessToken, grant.AccessTokenExpiresAt, grant.TokenType, CancellationToken.None));
        if (status == PersistStatus.Superseded)
        {
            await outcomes.DropSupersededAsync(demand, leased, usedRefreshToken, grant.RefreshToken);
            return null;
        }

        await outcomes.RecordAsync(demand, leased, "success", grant.RefreshToken is null ? "not_rotated" : "rotated");
        LogRefreshed(logger, leased.ProviderId, grant.RefreshToken is not null);
        return status == PersistStatus.Written ? new UsableRecord(written!, Refreshed: true) : RefreshFailure.NotFound;
    }

    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Refreshed a {ProviderId} connection (refresh token rotated: {Rotated})")]
    private static partial void LogRefreshed(ILogger logger, string providerId, bool rotated);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Warning, Message = "Took over a {ProviderId} refresh lease whose holder was silent for {SilentSeconds} s (abandoned, or inside the provider's reuse grace)")]
    private static partial void LogTakenOver(ILogger logger, string providerId, long silentSeconds);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Warning, Message = "A {ProviderId} lease taken over inside the reuse grace was stored too late to present the old refresh token inside it; the flight ends without calling the provider")]
    private static partial void LogTooLateToPresent(ILogger logger, string providerId);
}
