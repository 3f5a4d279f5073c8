using System.Text.Json;
using Credentials.Functions.Connections;
using Credentials.Functions.Maintenance;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Maintenance;

/// <summary>
/// The health events beyond status changes (<c>recovered</c>, <c>expiring_soon</c>) and the keep-alive schedule that
/// follows a provider's refresh-token lifetime: the maintenance walk against Azurite (tables and the events queue) and
/// the sandbox provider.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class HealthEventsTests(AzuriteFixture azurite)
{
    private const string User = "u1";

    [Fact]
    public async Task Recovered_is_raised_once_when_a_connection_refreshes_again_after_failures()
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Refresh:MaxProviderRetries"] = "0" });
        await stack.ConnectAllAsync(User, "mail");
        await stack.ClearStatusEventsAsync();
        stack.Sandbox.ForcedTokenStatus = 503;
        await stack.EditAsync(User, "mail", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });

        Assert.Equal(1, (await RunAsync(stack.Host)).Failed);
        var failing = await stack.RecordAsync(User, "mail");
        Assert.Equal((ConnectionStatus.Active, 1), (failing.Status, failing.ConsecutiveFailures));

        stack.Sandbox.ForcedTokenStatus = null;
        await stack.EditAsync(User, "mail", r => r with { NextRefreshAllowedAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
        Assert.Equal(1, (await RunAsync(stack.Host)).Refreshed);
        await stack.EditAsync(User, "mail", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        Assert.Equal(1, (await RunAsync(stack.Host)).Refreshed);

        var recovered = Assert.Single(await SettledEventsAsync(stack));
        Assert.Equal("recovered", recovered.GetProperty("type").GetString());
        Assert.Equal("active", recovered.GetProperty("oldStatus").GetString());
        Assert.Equal("active", recovered.GetProperty("newStatus").GetString());
        Assert.Equal("mail", recovered.GetProperty("connectionId").GetString());
        Assert.False(recovered.TryGetProperty("expiresAt", out _));
    }

    [Fact]
    public async Task Expiring_soon_is_raised_once_per_expiry_with_its_date()
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            [$"Providers:{ConnectStack.ProviderId}:RefreshTokenAbsoluteLifetime"] = "30.00:00:00",
        });
        await stack.ConnectAllAsync(User, "mail", "fresh");
        await stack.ClearStatusEventsAsync();
        var granted = DateTimeOffset.UtcNow.AddDays(-20);
        await stack.EditAsync(User, "mail", r => r with { GrantedAt = granted });

        Assert.Equal(1, (await RunAsync(stack.Host)).ExpiringSoon);
        Assert.Equal(0, (await RunAsync(stack.Host)).ExpiringSoon);

        var notice = Assert.Single(await SettledEventsAsync(stack));
        Assert.Equal("expiring_soon", notice.GetProperty("type").GetString());
        Assert.Equal("mail", notice.GetProperty("connectionId").GetString());
        Assert.Equal("absolute_lifetime", notice.GetProperty("reason").GetString());
        Assert.Equal("active", notice.GetProperty("newStatus").GetString());
        Assert.InRange(notice.GetProperty("expiresAt").GetDateTimeOffset() - granted.AddDays(30), TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1));

        // Another grant (as after a reconnect) ends on another date: a new window, announced again, once.
        await stack.ClearStatusEventsAsync();
        await stack.EditAsync(User, "mail", r => r with { GrantedAt = granted.AddDays(-5) });
        Assert.Equal(1, (await RunAsync(stack.Host)).ExpiringSoon);
        Assert.Equal(0, (await RunAsync(stack.Host)).ExpiringSoon);
        var again = Assert.Single(await SettledEventsAsync(stack));
        Assert.InRange(again.GetProperty("expiresAt").GetDateTimeOffset() - granted.AddDays(25), TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Keep_alive_refreshes_within_half_the_providers_idle_lifetime()
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            [$"Providers:{ConnectStack.ProviderId}:RefreshTokenIdleLifetime"] = "1.00:00:00",
        });
        await stack.ConnectAllAsync(User, "due", "recent");
        await stack.EditAsync(User, "due", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-13) });
        await stack.EditAsync(User, "recent", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-11) });

        var report = await RunAsync(stack.Host);

        Assert.Equal(1, report.Refreshed);
        Assert.Equal(1, stack.Sandbox.RefreshGrants);
        Assert.True((await stack.RecordAsync(User, "due")).LastRefreshSucceededAt > DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    /// <summary>The queued events once the background send has had time to deliver (and to deliver a duplicate, if it would).</summary>
    private static async Task<List<JsonElement>> SettledEventsAsync(ConnectStack stack)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await stack.StatusEventsAsync()).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await Task.Delay(500);
        return await stack.StatusEventsAsync();
    }

    private static Task<MaintenanceReport> RunAsync(RunningDevHost host) =>
        host.Services.GetRequiredService<MaintenanceRunner>().RunAsync(CancellationToken.None);
}
