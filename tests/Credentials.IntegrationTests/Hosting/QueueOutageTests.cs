using System.Net;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Hosting;

/// <summary>A host whose queue service cannot be reached goes on serving, as the Functions host does, and listens once it can.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class QueueOutageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_host_started_while_its_queues_are_unreachable_serves_http_and_runs_queue_functions_once_they_are_back()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var outage = new QueueOutage { Armed = true };
        var log = new ProbeQueueLog();
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        queueOptions.AddPolicy(outage, HttpPipelinePosition.PerCall);
        await using var host = await RunningDevHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = azurite.ConnectionString,
                ["Storage:MaintenanceQueue"] = "maint-" + suffix,
                ["Probe:Queue"] = "probe-" + suffix,
            },
            services =>
            {
                services.AddSingleton(log);
                services.AddSingleton(new QueueServiceClient(azurite.ConnectionString, queueOptions));
            },
            [typeof(ProbeQueueFunctions).Assembly],
            queueTriggers: ConnectStack.QueueTriggers);

        using var echo = await host.Client.GetAsync(new Uri("api/probe/echo/up/1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        await WaitUntilAsync(() => outage.Refused >= 4, TimeSpan.FromSeconds(10));

        outage.Armed = false;
        var queue = new QueueClient(azurite.ConnectionString, "probe-" + suffix, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("after the outage");

        Assert.Equal("after the outage", await log.First.WaitAsync(TimeSpan.FromSeconds(15)));
        using var again = await host.Client.GetAsync(new Uri("api/probe/echo/still/2", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
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

    /// <summary>Refuses every queue request while armed, as an unreachable queue service does.</summary>
    private sealed class QueueOutage : HttpPipelineSynchronousPolicy
    {
        private int _refused;

        public bool Armed { get; set; }

        public int Refused => Volatile.Read(ref _refused);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (Armed)
            {
                Interlocked.Increment(ref _refused);
                throw new RequestFailedException(503, "Injected queue outage.");
            }
        }
    }
}
