using System.Text.Json;
using Credentials.Functions.Api;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Maintenance;
using Credentials.Tests.Support;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.Maintenance;

// Longer than 250 lines on purpose: the maintenance walk's scenarios share one stack and its seeding helpers.

/// <summary>The maintenance timer against Azurite (tables and queue) and the sandbox provider, counted at the provider.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class MaintenanceTests(AzuriteFixture azurite)
{
    private const string User = "u1";

    [Fact]
    public async Task Stale_connections_are_refreshed_and_fresh_ones_left_alone()
    {
        await using var stack = await ConnectStack.StartAsync(azurite);
        await stack.ConnectAllAsync(User, "a", "b", "c");
        await stack.EditAsync(User, "a", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        await stack.EditAsync(User, "b", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        var freshBefore = await stack.RecordAsync(User, "c");

        var report = await RunAsync(stack.Host);

        Assert.Equal(3, report.Scanned);
        Assert.Equal(2, report.Refreshed);
        Assert.Equal(2, stack.Sandbox.RefreshGrants);
        Assert.True((await stack.RecordAsync(User, "a")).LastRefreshSucceededAt > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal(freshBefore.ETag, (await stack.RecordAsync(User, "c")).ETag);

        var again = await RunAsync(stack.Host);
        Assert.Equal(0, again.Refreshed);
        Assert.Equal(2, stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task The_walk_refreshes_from_the_scanned_record_without_reading_each_connection_again()
    {
        var requests = new CountingPolicy();
        await using var stack = await ConnectStack.StartAsync(azurite, configureServices: services =>
        {
            var options = new Azure.Data.Tables.TableClientOptions();
            options.AddPolicy(requests, Azure.Core.HttpPipelinePosition.PerCall);
            services.AddSingleton(azurite.CreateServiceClient(options));
        });
        await stack.ConnectAllAsync(User, "a", "b", "c");
        foreach (var id in new[] { "a", "b", "c" })
        {
            await stack.EditAsync(User, id, r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        }

        requests.Reset();
        var report = await RunAsync(stack.Host);

        Assert.Equal(3, report.Refreshed);
        var pointReads = requests.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal) && r.Contains("(PartitionKey=", StringComparison.Ordinal)
            && r.Contains(stack.ConnectionsTable, StringComparison.Ordinal));
        var writes = requests.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains(stack.ConnectionsTable, StringComparison.Ordinal));
        Assert.Equal(0, pointReads);
        Assert.Equal(6, writes);
    }

    [Fact]
    public async Task A_scanned_copy_that_went_stale_costs_one_rejected_write_and_still_refreshes_once()
    {
        await using var stack = await ConnectStack.StartAsync(azurite);
        await stack.ConnectAllAsync(User, "mail");
        await stack.EditAsync(User, "mail", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        var scanned = await stack.RecordAsync(User, "mail");
        await stack.EditAsync(User, "mail", r => r with { LastUsedAt = DateTimeOffset.UtcNow });
        var engine = stack.Host.Services.GetRequiredService<Credentials.Functions.Refresh.RefreshEngine>();

        var result = await engine.RefreshAsync(new Credentials.Functions.Refresh.RefreshDemand(Credentials.Functions.Connections.ConnectionKey.Of(scanned), TimeSpan.Zero,
            scanned.LastRefreshSucceededAt!.Value.AddTicks(1), "maintenance", "test", KnownRecord: scanned), CancellationToken.None);

        Assert.True(result.Value?.Refreshed);
        Assert.Equal(1, stack.Sandbox.RefreshGrants);
        Assert.Equal(0, stack.Sandbox.FailedRefreshGrants);
        Assert.NotNull((await stack.RecordAsync(User, "mail")).LastUsedAt);
    }

    [Fact]
    public async Task An_unexpected_failure_on_one_connection_is_counted_and_the_walk_goes_on()
    {
        var failing = new ThrowOnWriteTo("RowKey='b'");
        await using var stack = await ConnectStack.StartAsync(azurite, configureServices: services =>
        {
            var options = new Azure.Data.Tables.TableClientOptions();
            options.AddPolicy(failing, Azure.Core.HttpPipelinePosition.PerCall);
            services.AddSingleton(azurite.CreateServiceClient(options));
        });
        foreach (var id in new[] { "a", "b", "c" })
        {
            await stack.ConnectAllAsync(User, id);
            await stack.EditAsync(User, id, r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        }

        failing.Armed = true;
        var report = await RunAsync(stack.Host);

        Assert.True(report.LapCompleted);
        Assert.Equal(3, report.Scanned);
        Assert.Equal(2, report.Refreshed);
        Assert.Equal(1, report.Failed);
    }

    [Fact]
    public async Task A_provider_answering_malformed_json_fails_those_connections_as_rejected_and_the_walk_completes()
    {
        await using var stack = await ConnectStack.StartAsync(azurite);
        await stack.ConnectAllAsync(User, "a", "b");
        await stack.EditAsync(User, "a", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        await stack.EditAsync(User, "b", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        stack.Sandbox.ForcedTokenBody = """{"access_token":"at","expires_in":99999999999999999}""";

        var report = await RunAsync(stack.Host);

        Assert.True(report.LapCompleted);
        Assert.Equal(2, report.Failed);
        Assert.Equal("invalid_response", (await stack.RecordAsync(User, "a")).LastErrorCode);
    }

    /// <summary>Throws a non-storage exception on writes to one row, standing in for any bug or surprise in one connection's path.</summary>
    private sealed class ThrowOnWriteTo(string rowFragment) : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        public bool Armed { get; set; }

        public override void OnSendingRequest(Azure.Core.HttpMessage message)
        {
            if (Armed && message.Request.Method == Azure.Core.RequestMethod.Put
                && Uri.UnescapeDataString(message.Request.Uri.ToString()).Contains(rowFragment, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("Injected failure for one connection.");
            }
        }
    }

    [Fact]
    public async Task A_used_token_about_to_expire_is_refreshed_ahead_and_an_unused_one_is_not()
    {
        await using var stack = await ConnectStack.StartAsync(azurite);
        await stack.ConnectAllAsync(User, "used", "idle");
        await stack.EditAsync(User, "used", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(3), LastUsedAt = DateTimeOffset.UtcNow.AddMinutes(-5) });
        await stack.EditAsync(User, "idle", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(3), LastUsedAt = DateTimeOffset.UtcNow.AddDays(-3) });

        var report = await RunAsync(stack.Host);

        Assert.Equal(1, report.Refreshed);
        Assert.True((await stack.RecordAsync(User, "used")).AccessTokenExpiresAt > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.True((await stack.RecordAsync(User, "idle")).AccessTokenExpiresAt < DateTimeOffset.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task A_revoked_grant_is_marked_for_reauthorization_with_exactly_one_status_event()
    {
        await using var stack = await ConnectStack.StartAsync(azurite);
        await stack.ConnectAllAsync(User, "mail");
        await stack.ClearStatusEventsAsync();
        await stack.Sandbox.RevokeGrantsOfAsync("sandbox-user-1");
        await stack.EditAsync(User, "mail", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddDays(-2) });

        var report = await RunAsync(stack.Host);
        await RunAsync(stack.Host);

        Assert.Equal(1, report.MarkedForReauthorization);
        var record = await stack.RecordAsync(User, "mail");
        Assert.Equal(ConnectionStatus.ReauthorizationRequired, record.Status);
        Assert.Equal("invalid_grant", record.LastErrorCode);
        var statusEvent = Assert.Single(await stack.StatusEventsAsync());
        Assert.Equal(User, statusEvent.GetProperty("userId").GetString());
        Assert.Equal("mail", statusEvent.GetProperty("connectionId").GetString());
        Assert.Equal("sandbox", statusEvent.GetProperty("provider").GetString());
        Assert.Equal("active", statusEvent.GetProperty("oldStatus").GetString());
        Assert.Equal("reauthorization_required", statusEvent.GetProperty("newStatus").GetString());
        Assert.Equal("invalid_grant", statusEvent.GetProperty("reason").GetString());
        var refreshToken = await stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(record, CancellationToken.None);
        Assert.DoesNotContain(refreshToken, statusEvent.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Four_days_of_continuous_failure_require_reauthorization()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Refresh:MaxProviderRetries"] = "0" },
            configureServices: services => services.AddSingleton<TimeProvider>(time));
        await stack.ConnectAllAsync(User, "mail");
        await stack.ClearStatusEventsAsync();
        stack.Sandbox.ForcedTokenStatus = 503;
        await stack.EditAsync(User, "mail", r => r with { LastRefreshSucceededAt = time.GetUtcNow().AddHours(-25) });

        var first = await RunAsync(stack.Host);
        Assert.Equal(1, first.Failed);
        var failing = await stack.RecordAsync(User, "mail");
        Assert.Equal(ConnectionStatus.Active, failing.Status);
        Assert.Equal(time.GetUtcNow(), failing.FailingSince);

        time.Advance(TimeSpan.FromDays(2));
        await RunAsync(stack.Host);
        Assert.NotEqual(ConnectionStatus.ReauthorizationRequired, (await stack.RecordAsync(User, "mail")).Status);

        time.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        var last = await RunAsync(stack.Host);

        Assert.Equal(1, last.MarkedForReauthorization);
        var given = await stack.RecordAsync(User, "mail");
        Assert.Equal(ConnectionStatus.ReauthorizationRequired, given.Status);
        Assert.Equal("provider_error", given.LastErrorCode);
        Assert.Equal(3, stack.Sandbox.RefreshGrants);
        var statusEvent = Assert.Single(await stack.StatusEventsAsync());
        Assert.Equal("reauthorization_required", statusEvent.GetProperty("newStatus").GetString());
        Assert.Equal("provider_error", statusEvent.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Records_under_an_older_key_are_re_encrypted_and_stay_readable()
    {
        await using var stack = await ConnectStack.StartAsync(azurite);
        await stack.ConnectAllAsync(User, "a", "b", "c");
        var oldKey = (await stack.RecordAsync(User, "a")).KeyVersion;
        var rotated = await stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Encryption:LocalKeys:test-0002"] = TestKeys.NewBase64Key() });

        var report = await RunAsync(rotated);

        Assert.Equal("test-0001", oldKey);
        Assert.Equal(3, report.ReEncrypted);
        Assert.Equal(0, stack.Sandbox.RefreshGrants);
        var store = rotated.Services.GetRequiredService<ConnectionStore>();
        var secrets = rotated.Services.GetRequiredService<ConnectionSecrets>();
        foreach (var id in new[] { "a", "b", "c" })
        {
            var record = (await store.GetAsync(ConnectionKeys.Of(User, id), CancellationToken.None))!;
            Assert.Equal("test-0002", record.KeyVersion);
            Assert.NotEmpty(await secrets.ReadRefreshTokenAsync(record, CancellationToken.None));
            Assert.NotNull(await secrets.ReadAccessTokenAsync(record, CancellationToken.None));
            Assert.False(await secrets.NeedsReEncryptionAsync(record, CancellationToken.None));
        }

        Assert.Equal(0, (await RunAsync(rotated)).ReEncrypted);
    }

    [Fact]
    public async Task A_connection_whose_refresh_fails_is_re_encrypted_in_the_same_lap_from_the_record_the_failure_stored()
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Refresh:MaxProviderRetries"] = "0" });
        await stack.ConnectAllAsync(User, "mail");
        await stack.EditAsync(User, "mail", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        stack.Sandbox.ForcedTokenStatus = 503;
        var rotated = await stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Encryption:LocalKeys:test-0002"] = TestKeys.NewBase64Key() });

        var report = await RunAsync(rotated);

        // The failed refresh wrote a cooldown: the copy the walk scanned is stale, so only the failure's record can be re-encrypted now.
        Assert.Equal(1, report.Failed);
        Assert.Equal(1, report.ReEncrypted);
        var record = await stack.RecordAsync(User, "mail");
        Assert.Equal("test-0002", record.KeyVersion);
        Assert.NotNull(record.NextRefreshAllowedAt);
        Assert.False(await rotated.Services.GetRequiredService<ConnectionSecrets>().NeedsReEncryptionAsync(record, CancellationToken.None));
    }

    [Fact]
    public async Task The_cursor_carries_the_walk_across_runs_that_run_out_of_budget()
    {
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Maintenance:PageSize"] = "2", ["Maintenance:TimeBudget"] = "00:00:00.001" });
        await stack.ConnectAllAsync(User, "a", "b", "c", "d", "e");
        // Activation events are sent in the background; a page read while one's outbox row is still there holds one
        // connection fewer, so the walk starts only once they are all sent.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while ((await stack.RowsAsync(stack.ConnectionsTable)).Any(row => StatusEventOutbox.IsOutboxRow(row.RowKey)) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        var runs = new List<MaintenanceReport>();
        for (var i = 0; i < 4; i++)
        {
            runs.Add(await RunAsync(stack.Host));
        }

        Assert.Equal([2, 2, 1, 2], runs.Select(r => r.Scanned));
        Assert.Equal([false, false, true, false], runs.Select(r => r.LapCompleted));
    }

    [Fact]
    public async Task Two_concurrent_runs_on_two_instances_refresh_each_connection_once()
    {
        await using var stack = await ConnectStack.StartAsync(azurite);
        var ids = new[] { "a", "b", "c", "d", "e", "f" };
        await stack.ConnectAllAsync(User, ids);
        foreach (var id in ids)
        {
            await stack.EditAsync(User, id, r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddDays(-2) });
        }

        var other = await stack.StartAnotherInstanceAsync();
        stack.Sandbox.TokenDelay = TimeSpan.FromMilliseconds(100);

        var reports = await Task.WhenAll(RunAsync(stack.Host), RunAsync(other), RunAsync(stack.Host));

        Assert.Equal(ids.Length, stack.Sandbox.RefreshGrants);
        Assert.Equal(0, stack.Sandbox.FailedRefreshGrants);
        Assert.Equal(ids.Length, reports.Sum(r => r.Refreshed));
    }

    [Fact]
    public async Task Expired_oauth_states_and_audit_days_past_retention_are_deleted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Maintenance:AuditRetention"] = "30.00:00:00" },
            configureServices: services => services.AddSingleton<TimeProvider>(time));
        await stack.StartAndGetAuthorizationUrlAsync(User, new { provider = "sandbox" });
        var audit = stack.Host.Services.GetRequiredService<AuditLog>();
        await audit.AppendAsync(new AuditEvent("old", User, null, AuditActions.Authorize, "allowed", "c", time.GetUtcNow().AddDays(-31)), CancellationToken.None);
        await audit.AppendAsync(new AuditEvent("recent", User, null, AuditActions.Authorize, "allowed", "c", time.GetUtcNow().AddDays(-29)), CancellationToken.None);

        var early = await RunAsync(stack.Host);
        time.Advance(TimeSpan.FromMinutes(11));
        var late = await RunAsync(stack.Host);

        Assert.Equal(0, early.ExpiredStatesDeleted);
        Assert.Equal(1, late.ExpiredStatesDeleted);
        Assert.Empty(await stack.RowsAsync(stack.StatesTable));
        Assert.Equal(1, early.AuditRowsDeleted);
        Assert.Empty(await audit.ReadDayAsync(DateOnly.FromDateTime(time.GetUtcNow().AddDays(-31).UtcDateTime), CancellationToken.None));
        Assert.NotEmpty(await audit.ReadDayAsync(DateOnly.FromDateTime(time.GetUtcNow().AddDays(-29).UtcDateTime), CancellationToken.None));
    }

    [Fact]
    public async Task A_past_due_timer_runs_once_as_usual()
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Maintenance:Schedule"] = "0 0 0 1 1 *" });
        await stack.ConnectAllAsync(User, "mail");
        await stack.EditAsync(User, "mail", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddDays(-2) });
        var function = ActivatorUtilities.CreateInstance<MaintenanceFunction>(stack.Host.Services);

        await function.Run(new TimerInfo { IsPastDue = true }, CancellationToken.None);

        // The timer plans; the host's queue trigger does the refresh.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (stack.Sandbox.RefreshGrants == 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(1, stack.Sandbox.RefreshGrants);
    }

    private static Task<MaintenanceReport> RunAsync(RunningDevHost host) =>
        host.Services.GetRequiredService<MaintenanceRunner>().RunAsync(CancellationToken.None);
}
