using System.Net;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Credentials.Functions.Connections;
using Credentials.Functions.Events;
using Credentials.Functions.Maintenance;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Credentials.Tests.Refresh;

// Longer than 250 lines on purpose: one test per failure sequence listed in docs/refresh.md, kept together so that the
// table and the tests can be compared.

/// <summary>
/// Crashes, stalls and outages in the middle of a refresh or a status change, reproduced against Azurite and the
/// sandbox provider (which revokes a grant when a rotated refresh token is presented again). docs/refresh.md lists them.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class FailureSequenceTests(AzuriteFixture azurite)
{
    private const string User = "u1";
    private static readonly Dictionary<string, string?> ShortLease = new() { ["Refresh:LeaseDuration"] = "00:00:05" };

    [Fact]
    public async Task A_result_write_stalled_past_the_lease_is_waited_out_and_no_other_instance_presents_the_old_refresh_token()
    {
        // The holder's second write to the row (the first is taking the lease) stalls for longer than the whole lease.
        var stall = new RowWrites("mail") { Skip = 1, DelayBeforeSending = TimeSpan.FromSeconds(8) };
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?>(ShortLease) { ["Refresh:ReadTimeout"] = "00:00:20" }, configureServices: WithTablePolicy(stall));
        var other = await stack.StartAnotherInstanceAsync();
        await stack.ConnectAllAsync(User, "mail");
        await stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });

        stall.Armed = true;
        var holder = ReadAsync(stack, stack.Host);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var waiter = ReadAsync(stack, other);
        using var first = await holder;
        using var second = await waiter;

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, stack.Sandbox.RefreshGrants);
        Assert.Equal(0, stack.Sandbox.FailedRefreshGrants);
        Assert.Equal(0, stall.Cancelled);
        var stored = await stack.RecordAsync(User, "mail");
        Assert.Null(stored.LeaseOwner);
        Assert.Equal(ConnectionStatus.Active, stored.Status);
    }

    [Fact]
    public async Task A_result_write_that_landed_but_whose_answer_was_lost_is_recognised_and_kept()
    {
        var lateAnswer = new RowWrites("mail") { Skip = 1, LoseAnswer = true };
        await using var stack = await ConnectStack.StartAsync(azurite, settings: ShortLease, configureServices: WithTablePolicy(lateAnswer));
        await stack.ConnectAllAsync(User, "mail");
        await stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });

        lateAnswer.Armed = true;
        using var response = await ReadAsync(stack, stack.Host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, stack.Sandbox.RefreshGrants);
        var stored = await stack.RecordAsync(User, "mail");
        Assert.True(stored.AccessTokenExpiresAt > DateTimeOffset.UtcNow.AddMinutes(50), "the refreshed tokens are the stored ones");
        Assert.Null(stored.LeaseOwner);
        var refreshToken = await stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(stored, CancellationToken.None);
        Assert.True(await stack.Sandbox.IsRefreshTokenUsableAsync(refreshToken), "the kept refresh token was neither dropped nor revoked");
        await stack.Host.Services.GetRequiredService<Credentials.Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        var audit = await stack.RowsAsync(stack.AuditTable);
        Assert.Contains(audit, row => row.GetString("Outcome") == "success");
        Assert.DoesNotContain(audit, row => row.GetString("Outcome") == "dropped");
    }

    [Fact]
    public async Task Storing_retries_through_an_outage_of_any_length_and_the_rotated_token_is_stored_when_it_ends()
    {
        var outage = new RowWrites("mail") { Skip = 1, Fail = true, Faults = 2 };
        var logs = new CapturedLogs();
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Refresh:ReadTimeout"] = "00:00:02" },
            configureServices: services =>
            {
                WithTablePolicy(outage)(services);
                services.AddSingleton<ILoggerProvider>(logs);
            });
        await stack.ConnectAllAsync(User, "mail");
        await stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });

        outage.Armed = true;
        using (var survived = await ReadAsync(stack, stack.Host))
        {
            Assert.Equal(HttpStatusCode.OK, survived.StatusCode);
        }

        Assert.Equal(2, logs.Messages.Count(m => m.Contains("Storing a refresh outcome failed (HTTP 503", StringComparison.Ordinal)));
        Assert.DoesNotContain(logs.Messages, m => m.StartsWith("Critical", StringComparison.Ordinal));

        // A long outage: the read is answered within its budget, and the holder keeps the rotated token and keeps trying.
        await stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        outage.Reset(skip: 1, faults: int.MaxValue);
        using (var busy = await ReadAsync(stack, stack.Host))
        {
            await ProblemAssert.IsAsync(busy, HttpStatusCode.ServiceUnavailable, "refresh_busy");
        }

        await WaitUntilAsync(() => logs.Messages.Any(m => m.StartsWith("Critical", StringComparison.Ordinal)
            && m.Contains("could not be stored yet (HTTP 503", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        outage.Armed = false;
        await WaitUntilAsync(() => stack.RecordAsync(User, "mail").Result.AccessTokenExpiresAt > DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15));
        using var served = await ReadAsync(stack, stack.Host);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(2, stack.Sandbox.RefreshGrants);
        Assert.Equal(0, stack.Sandbox.FailedRefreshGrants);
        var stored = await stack.RecordAsync(User, "mail");
        var refreshToken = await stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(stored, CancellationToken.None);
        Assert.True(await stack.Sandbox.IsRefreshTokenUsableAsync(refreshToken), "the token rotated during the outage is the stored one");
    }

    [Fact]
    public async Task After_a_crash_between_rotation_and_storing_another_instance_recovers_inside_the_providers_grace()
    {
        // The provider accepts a rotated refresh token for 15 s; the configured lease (30 s) is longer, so the lease for
        // this provider must be shortened to a third of the grace for a takeover to come in time.
        var crashed = new RowWrites("mail") { Skip = 1, Fail = true, Faults = int.MaxValue };
        await using var stack = await ConnectStack.StartAsync(azurite,
            configureSandbox: sandbox => sandbox.RefreshTokenReuseGrace = TimeSpan.FromSeconds(15),
            settings: new Dictionary<string, string?> { ["Providers:sandbox:RotationGracePeriod"] = "00:00:15" },
            configureServices: WithTablePolicy(crashed));
        var survivor = await stack.StartAnotherInstanceAsync();
        await stack.ConnectAllAsync(User, "mail");
        await stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });

        crashed.Armed = true;
        using (var lost = await ReadAsync(stack, stack.Host))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.StatusCode);
        }

        using var recovered = await ReadAsync(stack, survivor);

        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(2, stack.Sandbox.RefreshGrants);
        Assert.Equal(0, stack.Sandbox.FailedRefreshGrants);
        Assert.Equal(ConnectionStatus.Active, (await stack.RecordAsync(User, "mail")).Status);
    }

    [Fact]
    public async Task A_read_waits_for_a_slow_refresh_only_its_budget_and_the_refresh_still_lands_for_the_next_read()
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Refresh:ReadTimeout"] = "00:00:01" });
        await stack.ConnectAllAsync(User, "mail");
        await stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        stack.Sandbox.TokenDelay = TimeSpan.FromSeconds(5);

        var started = System.Diagnostics.Stopwatch.StartNew();
        using (var busy = await ReadAsync(stack, stack.Host))
        {
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), $"answered after {started.Elapsed}: it waited for the provider, not its 1 s budget");
            Assert.Equal("2", busy.Headers.RetryAfter?.ToString());
            await ProblemAssert.IsAsync(busy, HttpStatusCode.ServiceUnavailable, "refresh_busy");
        }

        stack.Sandbox.TokenDelay = TimeSpan.Zero;
        await Task.Delay(TimeSpan.FromSeconds(5));
        using var served = await ReadAsync(stack, stack.Host);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(1, stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task Ten_status_changes_during_a_queue_outage_are_all_delivered_after_it_once_each()
    {
        var outage = new QueueOutage();
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Storage:StatusEventRetryInterval"] = "00:00:00.200" },
            configureServices: WithQueuePolicy(outage));
        var ids = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray();

        outage.Armed = true;
        await stack.ConnectAllAsync(User, ids);
        Assert.Equal(10, (await stack.RowsAsync(stack.ConnectionsTable)).Count(row => StatusEventOutbox.IsOutboxRow(row.RowKey)));
        Assert.Empty(await stack.StatusEventsAsync());

        outage.Armed = false;
        var events = await WaitForEventsAsync(stack, 10);

        Assert.Equal(10, events.Select(e => e.GetProperty("eventId").GetString()).Distinct().Count());
        Assert.Equal(ids.Order(), events.Select(e => e.GetProperty("connectionId").GetString()!).Order());
        Assert.All(events, e => Assert.Equal("active", e.GetProperty("newStatus").GetString()));
        Assert.DoesNotContain(await stack.RowsAsync(stack.ConnectionsTable), row => StatusEventOutbox.IsOutboxRow(row.RowKey));
    }

    [Fact]
    public async Task Events_an_instance_left_in_the_outbox_are_sent_by_the_next_maintenance_run_and_listing_never_shows_them()
    {
        var outage = new QueueOutage { Armed = true };
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Storage:StatusEventRetryInterval"] = "00:10:00" },
            configureServices: WithQueuePolicy(outage));
        await stack.ConnectAllAsync(User, "a", "b");
        var maintainer = await stack.StartAnotherInstanceAsync(
            new Dictionary<string, string?> { ["Storage:StatusEventRetryInterval"] = "00:00:00.100" });
        var page = await maintainer.Services.GetRequiredService<ConnectionStore>().ListByUserAsync(User, 10, null, CancellationToken.None);
        Assert.Equal(["a", "b"], page.Items.Select(r => r.ConnectionId));
        await Task.Delay(TimeSpan.FromMilliseconds(400));

        var report = await maintainer.Services.GetRequiredService<MaintenanceRunner>().RunAsync(CancellationToken.None);

        Assert.Equal(2, report.Scanned);
        Assert.Equal(2, report.StatusEventsResent);
        Assert.Equal(2, (await stack.StatusEventsAsync()).Count);
        Assert.DoesNotContain(await stack.RowsAsync(stack.ConnectionsTable), row => StatusEventOutbox.IsOutboxRow(row.RowKey));
    }

    [Fact]
    public async Task A_provider_whose_revocation_ends_the_whole_grant_keeps_the_replaced_token_unrevoked_on_reconnect()
    {
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Providers:sandbox:RevocationEndsGrant"] = "true" });
        await stack.ConnectAllAsync(User, "mail");
        var revocationsBefore = stack.Sandbox.Revocations;

        await stack.ConnectAllAsync(User, "mail");

        Assert.Equal(revocationsBefore, stack.Sandbox.Revocations);
    }

    private static async Task<List<System.Text.Json.JsonElement>> WaitForEventsAsync(ConnectStack stack, int count)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        List<System.Text.Json.JsonElement> events;
        while ((events = await stack.StatusEventsAsync()).Count < count && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        return events;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"not within {limit}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private static Task<HttpResponseMessage> ReadAsync(ConnectStack stack, RunningDevHost host) => stack.ReadAccessTokenAsync(User, "mail", host: host);

    private Action<IServiceCollection> WithTablePolicy(HttpPipelinePolicy policy) => services =>
    {
        var options = new TableClientOptions();
        options.AddPolicy(policy, HttpPipelinePosition.PerCall);
        services.AddSingleton(azurite.CreateServiceClient(options));
    };

    private Action<IServiceCollection> WithQueuePolicy(HttpPipelinePolicy policy) => services =>
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        options.AddPolicy(policy, HttpPipelinePosition.PerCall);
        services.AddSingleton(new QueueServiceClient(azurite.ConnectionString, options));
    };

    /// <summary>
    /// Faults on replace writes (PUT) of one connection row once armed: after <see cref="Skip"/> writes pass, the next
    /// <see cref="Faults"/> fail with a 503, or are held before sending (a stall) or after sending (it lands, and its
    /// answer comes late or is lost).
    /// </summary>
    private sealed class RowWrites(string connectionId) : HttpPipelinePolicy
    {
        private int _seen;
        private int _cancelled;

        public bool Armed { get; set; }

        public int Skip { get; set; }

        public int Faults { get; set; } = 1;

        public bool Fail { get; init; }

        public TimeSpan DelayBeforeSending { get; init; }

        public TimeSpan DelayAfterSending { get; init; }

        /// <summary>The write lands, and its answer is lost the way Azure.Core's network timeout loses one.</summary>
        public bool LoseAnswer { get; init; }

        public int Cancelled => Volatile.Read(ref _cancelled);

        public void Reset(int skip, int faults)
        {
            Skip = skip;
            Faults = faults;
            Volatile.Write(ref _seen, 0);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The service writes asynchronously.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (!Armed || message.Request.Method != RequestMethod.Put
                || !Uri.UnescapeDataString(message.Request.Uri.ToString()).Contains($"RowKey='{connectionId}'", StringComparison.Ordinal))
            {
                await ProcessNextAsync(message, pipeline);
                return;
            }

            var seen = Interlocked.Increment(ref _seen);
            if (seen <= Skip || seen > Skip + (long)Faults)
            {
                await ProcessNextAsync(message, pipeline);
                return;
            }

            if (Fail)
            {
                throw new RequestFailedException(503, "Injected storage outage.");
            }

            try
            {
                await Task.Delay(DelayBeforeSending, message.CancellationToken);
                await ProcessNextAsync(message, pipeline);
                await Task.Delay(DelayAfterSending, message.CancellationToken);
                if (LoseAnswer)
                {
                    throw new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout.", new TimeoutException());
                }
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _cancelled);
                throw;
            }
        }
    }

    /// <summary>The status-events queue refuses every request while armed.</summary>
    private sealed class QueueOutage : HttpPipelineSynchronousPolicy
    {
        public bool Armed { get; set; }

        public override void OnSendingRequest(HttpMessage message)
        {
            if (Armed)
            {
                throw new RequestFailedException(503, "Injected queue outage.");
            }
        }
    }
}
