using Credentials.Functions.Connections;
using Credentials.Functions.Refresh;

namespace Credentials.Tests.Refresh;

public sealed class RefreshLeaseTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(2);

    [Fact]
    public void A_lease_gives_the_provider_call_half_a_lease_and_beats_every_third_of_it()
    {
        using var lease = new RefreshLease("owner", T0, Lease);

        // Half a lease from the call's start, even when taking the lease took longer than the lease (slow storage).
        Assert.Equal(T0.AddSeconds(10.5), lease.ProviderDeadline(T0.AddSeconds(8)));
        Assert.Equal(Lease / 3, lease.HeartbeatInterval);
        // Without a reuse grace a live holder renews for as long as its flight lasts, storing included.
        Assert.Equal(T0.AddMinutes(10).AddSeconds(5), lease.RenewedExpiry(T0.AddMinutes(10)));
    }

    [Fact]
    public void At_a_provider_with_a_reuse_grace_renewals_stop_at_twice_the_lease()
    {
        using var lease = new RefreshLease("owner", T0, Lease, renewalCapped: true);

        Assert.Equal(T0.AddSeconds(8), lease.RenewedExpiry(T0.AddSeconds(3)));
        Assert.Equal(T0.AddSeconds(10), lease.RenewedExpiry(T0.AddSeconds(7)));
    }

    [Fact]
    public void A_slow_holder_is_never_taken_over_before_its_heartbeat_has_been_silent_for_the_abandonment_timeout()
    {
        // Storage is slower than the lease: the holder's last heartbeat landed 8 s after it was sent, the lease looks expired.
        var held = Record("other/1", takenAt: T0, renewedAt: T0, expiresAt: T0.AddSeconds(5));

        Assert.False(RefreshLease.MayTakeOver(held, "me/1", null, Lease, Abandoned, T0.AddSeconds(4)));
        Assert.False(RefreshLease.MayTakeOver(held, "me/1", null, Lease, Abandoned, T0.AddSeconds(9)));
        Assert.False(RefreshLease.MayTakeOver(held, "me/1", null, Lease, Abandoned, T0.AddSeconds(119)));
        Assert.True(RefreshLease.MayTakeOver(held, "me/1", null, Lease, Abandoned, T0.AddSeconds(120)));
    }

    [Fact]
    public void Inside_a_providers_reuse_grace_an_expired_lease_is_taken_over_while_the_old_token_is_still_accepted()
    {
        var grace = TimeSpan.FromSeconds(15);
        var held = Record("other/1", takenAt: T0, renewedAt: T0, expiresAt: T0.AddSeconds(5));

        Assert.False(RefreshLease.MayTakeOver(held, "me/1", grace, Lease, Abandoned, T0.AddSeconds(4)));
        Assert.True(RefreshLease.MayTakeOver(held, "me/1", grace, Lease, Abandoned, T0.AddSeconds(6)));
        // Half a lease before the grace ends it is too late to present the old token: wait for abandonment as without grace.
        Assert.False(RefreshLease.MayTakeOver(held, "me/1", grace, Lease, Abandoned, T0.AddSeconds(12.5)));
    }

    [Fact]
    public void A_free_lease_and_ones_own_are_always_taken()
    {
        Assert.True(RefreshLease.MayTakeOver(Record(null, null, null, null), "me/1", null, Lease, Abandoned, T0));
        Assert.True(RefreshLease.MayTakeOver(Record("me/1", T0, T0, T0.AddSeconds(5)), "me/1", null, Lease, Abandoned, T0.AddSeconds(1)));
    }

    private static ConnectionRecord Record(string? owner, DateTimeOffset? takenAt, DateTimeOffset? renewedAt, DateTimeOffset? expiresAt) => new()
    {
        UserId = "u1",
        ConnectionId = "mail",
        ProviderId = "sandbox",
        CreatedAt = T0,
        UpdatedAt = T0,
        RefreshTokenEnvelope = [1],
        LeaseOwner = owner,
        LeaseTakenAt = takenAt,
        LeaseRenewedAt = renewedAt,
        LeaseExpiresAt = expiresAt,
    };
}
