using System.Net;
using Credentials.Functions;
using Credentials.Functions.Connections;
using Credentials.Functions.Refresh;

namespace Credentials.Tests.Refresh;

/// <summary>
/// The refresh engine's decisions and lease rounds, on the in-memory records (whose ETags behave as Table Storage's,
/// see <c>ConnectionRecordsContractTests</c>) and a fake clock that the tests move.
/// </summary>
public sealed class RefreshEngineDecisionTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly RefreshRig _rig = new();

    [Fact]
    public async Task No_record_is_not_found()
    {
        var result = await _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);

        Assert.Equal(TokenFailureReason.NotFound, result.Failure?.Reason);
        Assert.Equal(0, _rig.ProviderCalls);
    }

    [Fact]
    public async Task A_record_that_needs_reauthorization_is_not_refreshed()
    {
        await _rig.ConnectAsync(TimeSpan.Zero, r => r with { Status = ConnectionStatus.ReauthorizationRequired, LastErrorCode = "invalid_grant" });

        var result = await _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);

        Assert.Equal(TokenFailureReason.ReauthorizationRequired, result.Failure?.Reason);
        Assert.Equal("invalid_grant", result.Failure?.ErrorCode);
        Assert.Equal(0, _rig.ProviderCalls);
    }

    [Fact]
    public async Task A_token_that_satisfies_the_demand_is_used_without_a_write()
    {
        await _rig.ConnectAsync(TimeSpan.FromHours(1));

        var result = await _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);

        Assert.False(result.Value?.Refreshed);
        Assert.Equal(0, _rig.ProviderCalls);
        Assert.Equal(0, _rig.Records.Writes);
    }

    [Fact]
    public async Task A_cooling_down_connection_answers_unavailable_with_the_time_left()
    {
        await _rig.ConnectAsync(TimeSpan.Zero, r => r with { NextRefreshAllowedAt = RefreshRig.T0 + TimeSpan.FromSeconds(40), LastErrorCode = "temporarily_unavailable" });

        var result = await _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);

        Assert.Equal(TokenFailureReason.ProviderUnavailable, result.Failure?.Reason);
        Assert.Equal(TimeSpan.FromSeconds(40), result.Failure?.RetryAfter);
        Assert.Equal(0, _rig.ProviderCalls);
    }

    [Fact]
    public async Task A_stale_token_is_refreshed_under_a_lease_that_the_stored_outcome_releases()
    {
        await _rig.ConnectAsync(TimeSpan.FromMinutes(1));

        var result = await _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);

        Assert.True(result.Value?.Refreshed);
        Assert.Equal(1, _rig.ProviderCalls);
        var stored = (await _rig.StoredAsync())!;
        Assert.Null(stored.LeaseOwner);
        Assert.Equal(RefreshRig.T0 + TimeSpan.FromHours(1), stored.AccessTokenExpiresAt);
        Assert.Equal("fresh-access", await _rig.Secrets.ReadAccessTokenAsync(stored, CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_refresh_answers_with_the_record_it_left_stored_cooling_down_and_released()
    {
        await _rig.ConnectAsync(TimeSpan.FromMinutes(1));
        _rig.Provider = _ => (HttpStatusCode.BadRequest, """{"error":"invalid_request"}""");

        var result = await _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);

        Assert.Equal(TokenFailureReason.ProviderRejected, result.Failure?.Reason);
        Assert.Equal("invalid_request", result.Failure?.ErrorCode);
        // Maintenance goes on with this copy (re-encryption writes on its ETag): the one stored, not the one read before.
        var stored = (await _rig.StoredAsync())!;
        Assert.Equal(stored.ETag, result.Failure?.Record?.ETag);
        Assert.Null(stored.LeaseOwner);
        Assert.True(stored.NextRefreshAllowedAt > RefreshRig.T0);
        Assert.Equal(stored.NextRefreshAllowedAt - RefreshRig.T0, result.Failure?.RetryAfter);
    }

    [Fact]
    public async Task A_lease_held_by_a_live_holder_is_waited_for_and_its_result_used()
    {
        await _rig.ConnectAsync(TimeSpan.Zero, HeldBy(renewedAgo: TimeSpan.Zero, expiresIn: TimeSpan.FromSeconds(30)));

        var refresh = _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);
        await StepAsync(TimeSpan.FromSeconds(1), steps: 5);
        Assert.False(refresh.IsCompleted);

        // The holder stores its refreshed token and releases the lease.
        var finished = await _rig.Secrets.WithTokensAsync((await _rig.StoredAsync())! with { LeaseOwner = null, LeaseExpiresAt = null },
            "stored-refresh", "holders-access", _rig.Time.GetUtcNow() + TimeSpan.FromHours(1), "Bearer", CancellationToken.None);
        _rig.Records.Put(finished);
        var result = await CompleteAsync(refresh);

        Assert.False(result.Value?.Refreshed);
        Assert.Equal(0, _rig.ProviderCalls);
        Assert.Equal("holders-access", await _rig.Secrets.ReadAccessTokenAsync(result.Value!.Record, CancellationToken.None));
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_only_once_its_holder_has_been_silent_long_enough()
    {
        var options = new RefreshOptions();
        await _rig.ConnectAsync(TimeSpan.Zero, HeldBy(renewedAgo: TimeSpan.FromSeconds(40), expiresIn: TimeSpan.FromSeconds(-10)));

        var refresh = _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);
        await StepAsync(TimeSpan.FromSeconds(1), steps: 3);
        Assert.False(refresh.IsCompleted);
        Assert.Equal(0, _rig.ProviderCalls);

        await StepAsync(options.AbandonedLeaseTimeout, steps: 1);
        var result = await CompleteAsync(refresh);

        Assert.True(result.Value?.Refreshed);
        Assert.Equal(1, _rig.ProviderCalls);
        // Nothing rotated: the taken-over lease stays this flight's (docs/refresh.md), so the silent holder's token is not presented again at once.
        Assert.StartsWith(_rig.Engine.InstanceId, (await _rig.StoredAsync())!.LeaseOwner, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lease_write_that_conflicts_is_retried_on_a_fresh_read_and_the_provider_asked_once()
    {
        await _rig.ConnectAsync(TimeSpan.Zero);
        var conflicts = 0;
        _rig.Records.BeforeReplace = record =>
        {
            // A concurrent hand-out marks the record between this flight's read and its lease write, once.
            if (record.LeaseOwner is not null && Interlocked.Increment(ref conflicts) == 1)
            {
                _rig.Records.Edit(RefreshRig.Key, current => current with { LastUsedAt = RefreshRig.T0 });
            }

            return Task.CompletedTask;
        };

        var result = await _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);

        Assert.True(result.Value?.Refreshed);
        Assert.Equal(1, _rig.ProviderCalls);
        Assert.Equal(RefreshRig.T0, (await _rig.StoredAsync())!.LastUsedAt);
    }

    [Fact]
    public async Task A_lease_write_that_always_conflicts_ends_busy_after_its_rounds_without_asking_the_provider()
    {
        await _rig.ConnectAsync(TimeSpan.Zero);
        _rig.Records.BeforeReplace = _ =>
        {
            _rig.Records.Edit(RefreshRig.Key, current => current with { LastUsedAt = _rig.Time.GetUtcNow() });
            return Task.CompletedTask;
        };

        var result = await _rig.Engine.RefreshAsync(RefreshRig.Demand(), CancellationToken.None);

        Assert.Equal(TokenFailureReason.Busy, result.Failure?.Reason);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Failure?.RetryAfter);
        Assert.Equal(0, _rig.ProviderCalls);
    }

    public void Dispose() => _rig.Dispose();

    private static Func<ConnectionRecord, ConnectionRecord> HeldBy(TimeSpan renewedAgo, TimeSpan expiresIn) => record => record with
    {
        LeaseOwner = "other-instance/1",
        LeaseTakenAt = RefreshRig.T0 - renewedAgo,
        LeaseRenewedAt = RefreshRig.T0 - renewedAgo,
        LeaseExpiresAt = RefreshRig.T0 + expiresIn,
    };

    /// <summary>Moves the fake clock <paramref name="steps"/> times, letting the flight run between steps (its lease polls wait on this clock).</summary>
    private async Task StepAsync(TimeSpan step, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            await Task.Delay(50);
            _rig.Time.Advance(step);
        }

        await Task.Delay(50);
    }

    private async Task<Result<UsableRecord, RefreshFailure>> CompleteAsync(Task<Result<UsableRecord, RefreshFailure>> refresh)
    {
        for (var i = 0; i < 100 && !refresh.IsCompleted; i++)
        {
            await StepAsync(TimeSpan.FromMilliseconds(200), steps: 1);
        }

        return await refresh.WaitAsync(Patience);
    }
}
