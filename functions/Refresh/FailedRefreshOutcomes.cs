using Credentials.Functions.Connections;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

/// <summary>
/// What a failed refresh leaves in the store, under its lease: a lost grant (only if the stored refresh token is still
/// the refused one), a failure with its cooldown, or the service's own client refused. Each returns null when the round
/// must start over because the grant changed meanwhile.
/// </summary>
public sealed partial class FailedRefreshOutcomes(
    IConnectionRecords store,
    RefreshOutcomeStore outcomes,
    ProviderMisconfiguration misconfiguration,
    IOptions<RefreshOptions> options,
    ILogger<FailedRefreshOutcomes> logger)
{
    private static readonly TimeSpan MisconfiguredCooldown = TimeSpan.FromMinutes(1);

    /// <summary>Final only if the stored refresh token is still the one refused: another instance may have rotated it.</summary>
    public async Task<Result<UsableRecord, RefreshFailure>?> GrantLostAsync(
        RefreshLease lease, ConnectionRecord leased, RefreshDemand demand, string usedRefreshToken, TokenFailure failure, DateTimeOffset now)
    {
        var current = await store.GetAsync(ConnectionKey.Of(leased), CancellationToken.None);
        if (current is null)
        {
            return RefreshFailure.NotFound;
        }

        if (!await outcomes.HoldsRefreshTokenAsync(current, usedRefreshToken))
        {
            return null;
        }

        lease.Observe(current);
        var (status, written) = await outcomes.PersistAsync(lease, usedRefreshToken, null, failure.ErrorCode,
            record => ValueTask.FromResult(record.GrantLost(now, failure.ErrorCode)));
        await outcomes.RecordAsync(demand, leased, "failed", failure.ErrorCode);
        LogGrantGone(logger, leased.ProviderId);
        if (status == PersistStatus.Superseded)
        {
            return null;
        }

        return new RefreshFailure(status == PersistStatus.Deleted ? TokenFailureReason.NotFound : TokenFailureReason.ReauthorizationRequired, written, null,
            failure.ErrorCode);
    }

    public async Task<Result<UsableRecord, RefreshFailure>?> RefreshFailedAsync(
        RefreshLease lease, ConnectionRecord leased, RefreshDemand demand, string usedRefreshToken, TokenFailure failure, DateTimeOffset now)
    {
        var assessed = RefreshFailurePolicy.Assess(options.Value, leased, failure.RetryAfter, now);
        var (status, written) = await outcomes.PersistAsync(lease, usedRefreshToken, null, failure.ErrorCode,
            record => ValueTask.FromResult(record.RefreshFailed(now, failure.ErrorCode, assessed.Status, assessed.Failures, assessed.FailingSince,
                now + assessed.Cooldown)));
        await outcomes.RecordAsync(demand, leased, "failed", failure.ErrorCode);
        if (status == PersistStatus.Superseded)
        {
            return null;
        }

        var reason = assessed.Status == ConnectionStatus.ReauthorizationRequired ? TokenFailureReason.ReauthorizationRequired
            : failure.Kind == TokenFailureKind.Rejected ? TokenFailureReason.ProviderRejected
            : TokenFailureReason.ProviderUnavailable;
        return new RefreshFailure(status == PersistStatus.Deleted ? TokenFailureReason.NotFound : reason, written, assessed.Cooldown, failure.ErrorCode);
    }

    /// <summary>
    /// The provider refused the service's own client: the connection keeps its status and failure count (it is not the
    /// user's grant that failed), pauses for <see cref="MisconfiguredCooldown"/> so that every request does not hit the
    /// provider again, and the misconfiguration is reported once per provider per interval.
    /// </summary>
    public async Task<Result<UsableRecord, RefreshFailure>?> ClientRefusedAsync(
        RefreshLease lease, ConnectionRecord leased, string usedRefreshToken, RefreshDemand demand, TokenFailure failure, DateTimeOffset now)
    {
        misconfiguration.Report(leased.ProviderId, failure.ErrorCode);
        var (status, written) = await outcomes.PersistAsync(lease, usedRefreshToken, null, failure.ErrorCode,
            record => ValueTask.FromResult(record.ClientRefused(now, failure.ErrorCode, now + MisconfiguredCooldown)));
        await outcomes.RecordAsync(demand, leased, "failed", failure.ErrorCode);
        if (status == PersistStatus.Superseded)
        {
            return null;
        }

        return status == PersistStatus.Deleted ? RefreshFailure.NotFound
            : new RefreshFailure(TokenFailureReason.ProviderRejected, written, MisconfiguredCooldown, failure.ErrorCode);
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "A {ProviderId} grant is gone (invalid_grant on the stored refresh token): reauthorization required")]
    private static partial void LogGrantGone(ILogger logger, string providerId);
}
