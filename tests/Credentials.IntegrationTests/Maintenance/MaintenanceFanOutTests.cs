using Azure.Storage.Queues;
using Credentials.Functions.Maintenance;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Credentials.Tests.Maintenance;

/// <summary>
/// The maintenance walk fanned out through its queue: the timer plans work items, and the queue trigger of every dev
/// host instance processes them (Azurite tables and queues, the sandbox provider counting refreshes).
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class MaintenanceFanOutTests(AzuriteFixture azurite)
{
    private static readonly string[] Users = ["u1", "u2"];
    private static readonly string[] Ids = ["a", "b", "c", "d", "e"];

    [Fact]
    public async Task Every_connection_is_processed_exactly_once_per_lap_across_three_instances()
    {
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Maintenance:ItemSize"] = "2", ["Maintenance:PageSize"] = "1" });
        await SeedStaleAsync(stack);
        var hosts = new[] { stack.Host, await stack.StartAnotherInstanceAsync(), await stack.StartAnotherInstanceAsync() };
        var scanned = hosts.Select(Scanned).ToList();
        var connections = Users.Length * Ids.Length;

        for (var lap = 1; lap <= 2; lap++)
        {
            var plan = await PlanAsync(stack);
            Assert.True(plan.LapCompleted);
            Assert.True(plan.ItemsQueued >= connections / 2);

            await EventuallyAsync(() => scanned.Sum(s => s.GetMeasurementSnapshot().EvaluateAsCounter()) >= lap * connections);
            await EventuallyAsync(async () => await QueueLengthAsync(stack, stack.MaintenanceQueue) == 0);
            Assert.Equal(lap * connections, scanned.Sum(s => s.GetMeasurementSnapshot().EvaluateAsCounter()));
        }

        // Refreshed on the first lap only: the second finds them all fresh.
        Assert.Equal(connections, stack.Sandbox.RefreshGrants);
        Assert.Equal(0, stack.Sandbox.FailedRefreshGrants);
        await AssertAllRefreshedAsync(stack);
        Assert.Equal(0, await QueueLengthAsync(stack, stack.MaintenanceQueue + "-poison"));
        foreach (var collector in scanned)
        {
            collector.Dispose();
        }
    }

    [Fact]
    public async Task A_work_item_that_fails_midway_is_retried_and_harms_nothing()
    {
        var failing = new FailingRangeReads { FailuresLeft = 1, OnlyFollowingPages = true };
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Maintenance:ItemSize"] = "100", ["Maintenance:PageSize"] = "3" },
            configureServices: services => services.AddSingleton(azurite.CreateServiceClient(failing.Options())));
        await SeedStaleAsync(stack);
        using var scanned = Scanned(stack.Host);

        var plan = await PlanAsync(stack);
        await EventuallyAsync(async () => failing.FailuresLeft <= 0 && await QueueLengthAsync(stack, stack.MaintenanceQueue) == 0);

        Assert.Equal(1, plan.ItemsQueued);
        // The first attempt maintained its first page, then failed reading the next; the retry walked the whole item
        // (an attempt's counts are recorded when it completes) and refreshed none of the first page again.
        Assert.True(failing.FailuresLeft < 1);
        Assert.Equal(Users.Length * Ids.Length, scanned.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(Users.Length * Ids.Length, stack.Sandbox.RefreshGrants);
        Assert.Equal(0, stack.Sandbox.FailedRefreshGrants);
        await AssertAllRefreshedAsync(stack);
        Assert.Equal(0, await QueueLengthAsync(stack, stack.MaintenanceQueue + "-poison"));
    }

    [Fact]
    public async Task An_item_that_fails_on_every_attempt_moves_to_the_poison_queue_after_the_fifth()
    {
        var failing = new FailingRangeReads { FailuresLeft = int.MaxValue };
        await using var stack = await ConnectStack.StartAsync(azurite,
            configureServices: services => services.AddSingleton(azurite.CreateServiceClient(failing.Options())));
        await stack.ConnectAllAsync("u1", "a");

        var plan = await PlanAsync(stack);
        await EventuallyAsync(async () => await QueueLengthAsync(stack, stack.MaintenanceQueue + "-poison") == 1);

        Assert.Equal(1, plan.ItemsQueued);
        Assert.Equal(5, ConnectStack.QueueTriggers.MaxDequeueCount);
        Assert.Equal(5, failing.Attempts);
        Assert.Equal(0, await QueueLengthAsync(stack, stack.MaintenanceQueue));
        var poisoned = await new QueueClient(azurite.ConnectionString, stack.MaintenanceQueue + "-poison",
            new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).PeekMessageAsync();
        var item = MaintenanceWorkItem.FromMessage(poisoned.Value.Body.ToString());
        Assert.Equal("u1", item.First.PartitionKey);
    }

    private static async Task SeedStaleAsync(ConnectStack stack)
    {
        foreach (var user in Users)
        {
            await stack.ConnectAllAsync(user, Ids);
            foreach (var id in Ids)
            {
                await stack.EditAsync(user, id, r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
            }
        }
    }

    private static async Task AssertAllRefreshedAsync(ConnectStack stack)
    {
        foreach (var user in Users)
        {
            foreach (var id in Ids)
            {
                Assert.True((await stack.RecordAsync(user, id)).LastRefreshSucceededAt > DateTimeOffset.UtcNow.AddMinutes(-5), $"{user}/{id} was not refreshed");
            }
        }
    }

    private static Task<MaintenanceReport> PlanAsync(ConnectStack stack) =>
        stack.Host.Services.GetRequiredService<MaintenancePlanner>().PlanAsync(CancellationToken.None);

    private static MetricCollector<long> Scanned(RunningDevHost host) =>
        new(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Credentials.Functions", "credentials.maintenance.scanned");

    private static async Task<int> QueueLengthAsync(ConnectStack stack, string name)
    {
        var queue = new QueueClient(stack.Azurite.ConnectionString, name);
        return await queue.ExistsAsync() ? (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
    }

    private static Task EventuallyAsync(Func<bool> condition) => EventuallyAsync(() => Task.FromResult(condition()));

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "The queued maintenance work did not finish within 60 s.");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Fails reads of a work item's range (storage answering 503), standing in for an instance failing mid-item.</summary>
    private sealed class FailingRangeReads : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        private int _failuresLeft;
        private int _attempts;

        public int FailuresLeft { get => Volatile.Read(ref _failuresLeft); init => _failuresLeft = value; }

        /// <summary>Only a range read's second and later pages fail: the item's first page is processed before the failure.</summary>
        public bool OnlyFollowingPages { get; init; }

        public int Attempts => Volatile.Read(ref _attempts);

        public Azure.Data.Tables.TableClientOptions Options()
        {
            var options = new Azure.Data.Tables.TableClientOptions();
            options.Retry.MaxRetries = 0;
            options.AddPolicy(this, Azure.Core.HttpPipelinePosition.PerCall);
            return options;
        }

        public override void OnSendingRequest(Azure.Core.HttpMessage message)
        {
            var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
            var rangeRead = message.Request.Method == Azure.Core.RequestMethod.Get && uri.Contains("$filter=PartitionKey", StringComparison.Ordinal)
                && uri.Contains(" ge '", StringComparison.Ordinal);
            if (!rangeRead || (OnlyFollowingPages && !uri.Contains("NextPartitionKey", StringComparison.Ordinal)))
            {
                return;
            }

            Interlocked.Increment(ref _attempts);
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new Azure.RequestFailedException(503, "Injected storage failure while reading a work item's range.");
            }
        }
    }
}
