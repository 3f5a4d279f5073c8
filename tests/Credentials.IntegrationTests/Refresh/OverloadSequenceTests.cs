using System.Diagnostics;
using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Refresh;

/// <summary>
/// Slow and failing storage and queues under several instances (docs/refresh.md, "Failure sequences"): a vault may be
/// slow, it must never lose a grant, and it answers 2xx or a documented 503 with Retry-After, never a 500.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class OverloadSequenceTests(AzuriteFixture azurite)
{
    private const string User = "u1";
    private static readonly string[] AllowedUnderSlowStorage = ["200", "503 refresh_busy"];
    private static readonly HttpStatusCode[] AllowedUnderFlood = [HttpStatusCode.OK, HttpStatusCode.TooManyRequests];

    [Fact]
    public async Task Table_writes_slower_than_the_lease_on_three_instances_lose_no_grant_and_answer_200_or_refresh_busy()
    {
        await using var slow = await SlowStorageProxy.StartAsync(azurite.TablePort);
        await using var stack = await ConnectStack.StartAsync(azurite,
            configureSandbox: sandbox => sandbox.AccessTokenLifetime = TimeSpan.FromSeconds(10),
            settings: new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = slow.Route(azurite.ConnectionString, azurite.TablePort),
                ["Refresh:LeaseDuration"] = "00:00:05",
                ["Refresh:AbandonedLeaseTimeout"] = "00:01:00",
            });
        RunningDevHost[] instances = [stack.Host, await stack.StartAnotherInstanceAsync(), await stack.StartAnotherInstanceAsync()];
        await stack.ConnectAllAsync(User, "mail");

        slow.WriteDelay = TimeSpan.FromSeconds(8);
        slow.Armed = true;
        var answers = new System.Collections.Concurrent.ConcurrentBag<string>();
        var until = DateTimeOffset.UtcNow.AddSeconds(30);
        await Task.WhenAll(Enumerable.Range(0, 12).Select(async reader =>
        {
            while (DateTimeOffset.UtcNow < until)
            {
                using var response = await ReadAsync(stack, instances[reader % 3]);
                answers.Add(response.IsSuccessStatusCode ? "200" : $"{(int)response.StatusCode} {await CodeOfAsync(response)}");
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }));
        slow.Armed = false;

        Assert.True(slow.DelayedWrites > 0);
        Assert.All(answers, answer => Assert.Contains(answer, AllowedUnderSlowStorage));
        Assert.Contains("200", answers);
        Assert.Equal(0, stack.Sandbox.FailedRefreshGrants);
        // Whatever is still being stored lands (writes sent before the proxy was disarmed still wait their 8 s); then the
        // stored grant is the live one, and it still refreshes.
        await Task.Delay(TimeSpan.FromSeconds(10));
        await stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        // A lease whose holder's write was held up is taken over only once the holder has been silent for
        // Refresh:AbandonedLeaseTimeout (1 min), so wait past that; at a reader's pace, not a tight loop the caller rate
        // limiter would rightly refuse.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        string after;
        do
        {
            using var read = await ReadAsync(stack, stack.Host);
            after = read.IsSuccessStatusCode ? "200" : $"{(int)read.StatusCode} {await CodeOfAsync(read)}";
            await Task.Delay(after == "200" ? TimeSpan.Zero : TimeSpan.FromMilliseconds(250));
        }
        while (after != "200" && DateTimeOffset.UtcNow < deadline);

        Assert.Equal("200", after);
        var stored = await stack.RecordAsync(User, "mail");
        Assert.Equal(ConnectionStatus.Active, stored.Status);
        Assert.Equal(0, stack.Sandbox.FailedRefreshGrants);
        var refreshToken = await stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(stored, CancellationToken.None);
        Assert.True(await stack.Sandbox.IsRefreshTokenUsableAsync(refreshToken), "the grant is alive");
    }

    [Fact]
    public async Task A_read_that_meets_a_lost_grant_answers_409_at_once_while_the_status_event_queue_hangs()
    {
        var hang = new HangingQueue();
        await using var stack = await ConnectStack.StartAsync(azurite, configureServices: services =>
        {
            var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
            options.AddPolicy(hang, HttpPipelinePosition.PerCall);
            services.AddSingleton(new QueueServiceClient(azurite.ConnectionString, options));
        });
        await stack.ConnectAllAsync(User, "mail");
        await stack.Sandbox.RevokeGrantsOfAsync("sandbox-user-1");
        await stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });

        hang.Armed = true;
        var started = Stopwatch.StartNew();
        using var response = await ReadAsync(stack, stack.Host);
        var elapsed = started.Elapsed;

        await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, "reauthorization_required");
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"answered after {elapsed}: it waited for the status-event queue");
        Assert.Equal(ConnectionStatus.ReauthorizationRequired, (await stack.RecordAsync(User, "mail")).Status);
        // The event is not lost: its outbox row waits for the queue.
        Assert.Contains(await stack.RowsAsync(stack.ConnectionsTable), row => Functions.Connections.StatusEventOutbox.IsOutboxRow(row.RowKey));
        hang.Armed = false;
    }

    [Fact]
    public async Task A_storage_call_that_times_out_is_a_503_with_retry_after_never_a_500()
    {
        var timeouts = new TimingOutReads();
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Storage:ConnectionSnapshotLifetime"] = "00:00:00" },
            configureServices: services =>
            {
                var options = new TableClientOptions();
                options.AddPolicy(timeouts, HttpPipelinePosition.PerCall);
                services.AddSingleton(azurite.CreateServiceClient(options));
            });
        await stack.ConnectAllAsync(User, "mail");

        timeouts.Armed = true;
        using var response = await ReadAsync(stack, stack.Host);

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_flooding_caller_gets_429_with_retry_after_while_another_callers_reads_keep_answering_200()
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["RateLimit:PermitsPerSecond"] = "20",
            ["RateLimit:Burst"] = "20",
        });
        stack.Authress.Grants.Roles["reader"] = ["credentials:read"];
        stack.Authress.Grants.AccessRecords.Add(new AuthressLocal.AccessRecord { Users = ["sc_flood"], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users/*"] });
        await stack.ConnectAllAsync(User, "mail");

        var flood = Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            var statuses = new List<(HttpStatusCode, string?, TimeSpan?)>();
            for (var i = 0; i < 40; i++)
            {
                using var response = await ReadAsync(stack, stack.Host, "sc_flood");
                statuses.Add((response.StatusCode, response.IsSuccessStatusCode ? null : await CodeOfAsync(response), response.Headers.RetryAfter?.Delta));
            }

            return statuses;
        }));
        var others = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await ReadAsync(stack, stack.Host);
            others.Add(response.StatusCode);
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        var flooded = (await flood).SelectMany(s => s).ToList();
        Assert.All(others, status => Assert.Equal(HttpStatusCode.OK, status));
        var refused = flooded.Where(s => s.Item1 == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, s => Assert.Equal("rate_limited", s.Item2));
        Assert.All(refused, s => Assert.True(s.Item3 > TimeSpan.Zero, "Retry-After"));
        Assert.All(flooded, s => Assert.Contains(s.Item1, AllowedUnderFlood));
    }

    private static async Task<string?> CodeOfAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("code", out var code) ? code.GetString() : body;
        }
        catch (System.Text.Json.JsonException)
        {
            return body;
        }
    }

    private static Task<HttpResponseMessage> ReadAsync(ConnectStack stack, RunningDevHost host, string caller = ConnectStack.Caller) =>
        stack.ReadAccessTokenAsync(User, "mail", stack.CallerToken(caller), host);

    /// <summary>While armed, every queue request hangs until its caller gives up (a queue endpoint that accepts and never answers).</summary>
    private sealed class HangingQueue : HttpPipelinePolicy
    {
        public bool Armed { get; set; }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The service sends asynchronously.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (Armed)
            {
                await Task.Delay(TimeSpan.FromSeconds(60), message.CancellationToken);
            }

            await ProcessNextAsync(message, pipeline);
        }
    }

    /// <summary>While armed, reads of connection rows time out the way Azure.Core's network timeout does: a cancellation nobody asked for.</summary>
    private sealed class TimingOutReads : HttpPipelinePolicy
    {
        public bool Armed { get; set; }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The service reads asynchronously.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (Armed && message.Request.Method == RequestMethod.Get && message.Request.Uri.ToString().Contains("Conn", StringComparison.Ordinal))
            {
                throw new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout of 0:01:40.",
                    new TimeoutException("The operation was cancelled because it exceeded the configured timeout of 0:01:40."));
            }

            await ProcessNextAsync(message, pipeline);
        }
    }
}
