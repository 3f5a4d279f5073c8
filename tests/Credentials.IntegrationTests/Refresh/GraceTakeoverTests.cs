using System.Net;
using Credentials.Tests.Support;

namespace Credentials.Tests.Refresh;

/// <summary>
/// Taking over a lease at a provider with a reuse grace (docs/refresh.md, "What the simulation found"): the old refresh
/// token is presented only inside the grace counted from the chain's first lease start, however slowly the takeover is
/// stored, and a failed refresh under a lease taken over keeps that start for the next flight.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class GraceTakeoverTests(AzuriteFixture azurite)
{
    private const string User = "u1";
    private const string EarlierHolder = "crashed-instance/1";
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_takeover_stored_after_the_grace_closed_does_not_present_the_old_refresh_token()
    {
        await using var slow = await SlowStorageProxy.StartAsync(azurite.TablePort);
        await using var stack = await StartAsync(slow.Route(azurite.ConnectionString, azurite.TablePort));
        await stack.ConnectAsync(User, "mail");
        // The earlier holder took the lease 25 s ago and has been silent 3 s: a takeover is allowed until 30 − 25 − 2.5
        // (half the 5-s lease) = 2.5 s from now, and the takeover's own write takes 5 s to land.
        var now = DateTimeOffset.UtcNow;
        var chainStart = now.AddSeconds(-25);
        await LeaseHeldByEarlierHolderAsync(stack, chainStart, renewedAt: now.AddSeconds(-3), expiredAt: now.AddSeconds(-1));
        var refreshesBefore = stack.Sandbox.RefreshGrants;
        slow.WriteDelay = TimeSpan.FromSeconds(5);
        slow.Armed = true;

        using var response = await ReadAsync(stack);
        await Task.Delay(TimeSpan.FromSeconds(6)); // the flight's last write, if any, lands
        slow.Armed = false;

        Assert.True(slow.DelayedWrites > 0);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(refreshesBefore, stack.Sandbox.RefreshGrants);
        var stored = await stack.RecordAsync(User, "mail");
        Assert.NotNull(stored.LeaseOwner);
        Assert.NotEqual(EarlierHolder, stored.LeaseOwner);
        AssertSameInstant(chainStart, stored.LeaseTakenAt);
    }

    [Fact]
    public async Task A_failed_refresh_under_a_lease_taken_over_keeps_the_chains_first_lease_start()
    {
        await using var stack = await StartAsync(connectionString: null);
        await stack.ConnectAsync(User, "mail");
        var now = DateTimeOffset.UtcNow;
        var chainStart = now.AddSeconds(-6);
        await LeaseHeldByEarlierHolderAsync(stack, chainStart, renewedAt: now.AddSeconds(-6), expiredAt: now.AddSeconds(-1));
        var refreshesBefore = stack.Sandbox.RefreshGrants;
        stack.Sandbox.ForcedTokenStatus = 503;

        using var response = await ReadAsync(stack);
        stack.Sandbox.ForcedTokenStatus = null;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(stack.Sandbox.RefreshGrants > refreshesBefore, "the flight presented the token inside the grace");
        var stored = await stack.RecordAsync(User, "mail");
        Assert.NotNull(stored.NextRefreshAllowedAt);
        // Released, the next flight would lease anew and present the stored token at once, though the earlier holder may
        // still be storing the token it rotated; kept, the next flight still counts the grace from the chain's start.
        Assert.NotNull(stored.LeaseOwner);
        Assert.NotEqual(EarlierHolder, stored.LeaseOwner);
        AssertSameInstant(chainStart, stored.LeaseTakenAt);
    }

    /// <summary>The access token has expired and an earlier holder's lease, taken at <paramref name="takenAt"/>, has just run out.</summary>
    private static Task LeaseHeldByEarlierHolderAsync(ConnectStack stack, DateTimeOffset takenAt, DateTimeOffset renewedAt, DateTimeOffset expiredAt) =>
        stack.EditAsync(User, "mail", r => r with
        {
            AccessTokenExpiresAt = expiredAt.AddMinutes(-1),
            LeaseOwner = EarlierHolder,
            LeaseTakenAt = takenAt,
            LeaseRenewedAt = renewedAt,
            LeaseExpiresAt = expiredAt,
        });

    private static void AssertSameInstant(DateTimeOffset expected, DateTimeOffset? actual)
    {
        Assert.NotNull(actual);
        Assert.InRange((actual.Value - expected).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
    }

    private async Task<ConnectStack> StartAsync(string? connectionString)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Refresh:LeaseDuration"] = "00:00:05",
            ["Refresh:AbandonedLeaseTimeout"] = "00:02:00",
            [$"Providers:{ConnectStack.ProviderId}:RotationGracePeriod"] = Grace.ToString(),
        };
        if (connectionString is not null)
        {
            settings["Storage:ConnectionString"] = connectionString;
        }

        return await ConnectStack.StartAsync(azurite, configureSandbox: sandbox => sandbox.RefreshTokenReuseGrace = Grace, settings: settings);
    }

    private static Task<HttpResponseMessage> ReadAsync(ConnectStack stack) => stack.ReadAccessTokenAsync(User, "mail");
}
