using Credentials.Functions.Connections;

namespace Credentials.Tests.Connections;

/// <summary>The record's state transitions, without storage: what each outcome keeps, resets and releases.</summary>
public sealed class ConnectionRecordTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static readonly ConnectionRecord Failing = new()
    {
        UserId = "user-1",
        ConnectionId = "google",
        ProviderId = "google",
        Scopes = ["openid", "email"],
        Status = ConnectionStatus.RefreshFailing,
        CreatedAt = Now.AddDays(-30),
        UpdatedAt = Now.AddHours(-1),
        FailingSince = Now.AddHours(-3),
        ConsecutiveFailures = 4,
        RefreshAttempts = 10,
        LastErrorCode = "temporarily_unavailable",
        NextRefreshAllowedAt = Now.AddMinutes(5),
        RefreshTokenEnvelope = [1, 2, 3],
        AccessTokenEnvelope = [4, 5, 6],
        AccessTokenExpiresAt = Now.AddMinutes(20),
        AccessTokenType = "Bearer",
        LeaseOwner = "instance-a",
        LeaseExpiresAt = Now.AddSeconds(30),
    };

    [Fact]
    public void Refreshed_forgets_every_failure_releases_the_lease_and_counts_the_attempt()
    {
        var refreshed = Failing.Refreshed(Now, ["openid"]);

        Assert.Equal(ConnectionStatus.Active, refreshed.Status);
        Assert.Equal((0, null, null, null), (refreshed.ConsecutiveFailures, refreshed.FailingSince, refreshed.LastErrorCode, refreshed.NextRefreshAllowedAt));
        Assert.Equal((null, null), (refreshed.LeaseOwner, refreshed.LeaseExpiresAt));
        Assert.Equal(11, refreshed.RefreshAttempts);
        Assert.Equal(Now, refreshed.LastRefreshSucceededAt);
        Assert.Equal(["openid"], refreshed.Scopes);
    }

    [Fact]
    public void Refreshed_keeps_the_scopes_when_the_provider_did_not_name_them()
    {
        Assert.Equal(Failing.Scopes, Failing.Refreshed(Now, null).Scopes);
    }

    [Fact]
    public void A_lost_grant_needs_the_user_and_drops_the_cached_access_token()
    {
        var lost = Failing.GrantLost(Now, "invalid_grant");

        Assert.Equal(ConnectionStatus.ReauthorizationRequired, lost.Status);
        Assert.Equal("invalid_grant", lost.LastErrorCode);
        Assert.Equal((null, null, null), (lost.AccessTokenEnvelope, lost.AccessTokenExpiresAt, lost.AccessTokenType));
        Assert.Equal((null, null), (lost.LeaseOwner, lost.LeaseExpiresAt));
        Assert.Same(Failing.RefreshTokenEnvelope, lost.RefreshTokenEnvelope);
    }

    [Fact]
    public void A_refused_client_keeps_the_status_and_failure_count_and_pauses()
    {
        var refused = Failing.ClientRefused(Now, "invalid_client", Now.AddMinutes(1));

        Assert.Equal((Failing.Status, Failing.ConsecutiveFailures), (refused.Status, refused.ConsecutiveFailures));
        Assert.Equal(Now.AddMinutes(1), refused.NextRefreshAllowedAt);
        Assert.Equal("invalid_client", refused.LastErrorCode);
        Assert.Null(refused.LeaseOwner);
        Assert.Same(Failing.AccessTokenEnvelope, refused.AccessTokenEnvelope);
    }

    [Fact]
    public void A_failed_refresh_keeps_when_the_failures_began()
    {
        var failed = Failing.RefreshFailed(Now, "server_error", ConnectionStatus.RefreshFailing, 5, Now, Now.AddMinutes(2));

        Assert.Equal(Failing.FailingSince, failed.FailingSince);
        Assert.Equal((5, "server_error", Now.AddMinutes(2)), (failed.ConsecutiveFailures, failed.LastErrorCode, failed.NextRefreshAllowedAt));
        Assert.Null(failed.LeaseOwner);

        var first = Failing.Refreshed(Now.AddMinutes(-1), null).RefreshFailed(Now, "server_error", ConnectionStatus.Active, 1, Now, Now.AddSeconds(5));
        Assert.Equal(Now, first.FailingSince);
    }

    [Fact]
    public void A_lease_is_taken_renewed_and_released_without_touching_anything_else()
    {
        var leased = Failing.Released().LeasedTo("instance-b", Now, Now.AddSeconds(30));
        var renewed = leased.LeaseRenewed(Now.AddSeconds(30), Now.AddSeconds(60));

        Assert.Equal(("instance-b", Now.AddSeconds(60), Now, Now.AddSeconds(30)), (renewed.LeaseOwner, renewed.LeaseExpiresAt, renewed.LeaseTakenAt, renewed.LeaseRenewedAt));
        Assert.Equal(Failing with { LeaseOwner = null, LeaseExpiresAt = null }, renewed.Released());
    }

    [Fact]
    public void A_takeover_keeps_the_first_holders_lease_start_so_a_reuse_grace_is_counted_from_it()
    {
        var first = Failing.Released().LeasedTo("instance-a/1", Now, Now.AddSeconds(5));
        var second = first.TakenOverBy("instance-b/1", Now.AddSeconds(6), Now.AddSeconds(11));
        var third = second.TakenOverBy("instance-c/1", Now.AddSeconds(12), Now.AddSeconds(17));

        Assert.Equal(("instance-c/1", Now, Now.AddSeconds(12)), (third.LeaseOwner, third.LeaseTakenAt, third.LeaseRenewedAt));
        Assert.Equal(Now.AddSeconds(20), third.Released().LeasedTo("instance-d/1", Now.AddSeconds(20), Now.AddSeconds(25)).LeaseTakenAt);
    }

    [Fact]
    public void An_outcome_without_a_new_token_keeps_a_taken_over_lease_and_releases_a_lease_of_its_own()
    {
        var first = Failing.Released().LeasedTo("instance-a/1", Now, Now.AddSeconds(5));
        var takenOver = first.TakenOverBy("instance-b/1", Now.AddSeconds(6), Now.AddSeconds(11));
        var failed = takenOver.RefreshFailed(Now.AddSeconds(8), "provider_unavailable", ConnectionStatus.Active, 1, Now.AddSeconds(8), Now.AddSeconds(38));

        var kept = failed.KeepingTakenOverLease(takenOver, leasedAt: Now.AddSeconds(6));
        Assert.Equal(("instance-b/1", Now, Now.AddSeconds(6), Now.AddSeconds(11)), (kept.LeaseOwner, kept.LeaseTakenAt, kept.LeaseRenewedAt, kept.LeaseExpiresAt));
        Assert.Equal(Now.AddSeconds(38), kept.NextRefreshAllowedAt);

        var own = first.RefreshFailed(Now.AddSeconds(2), "provider_unavailable", ConnectionStatus.Active, 1, Now.AddSeconds(2), Now.AddSeconds(32));
        Assert.Null(own.KeepingTakenOverLease(first, leasedAt: Now).LeaseOwner);
    }
}
