using System.Net;
using Azure.Core;
using Azure.Data.Tables;
using Credentials.AuthressLocal;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Refresh;

/// <summary>
/// What handing out a cached token costs in remote calls, counted where they leave the process: Table Storage at the
/// SDK pipeline, Authress at the local endpoint, the provider at the sandbox.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class HotPathTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string BroadReader = "sc_broad_reader";
    private const string NarrowReader = "sc_narrow_reader";
    private readonly CountingPolicy _tableRequests = new();
    private ConnectStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await ConnectStack.StartAsync(azurite, configureServices: CountTableRequests(_tableRequests));
        _stack.Authress.Grants.Roles["reader"] = ["credentials:read", "credentials:list"];
        _stack.Authress.Grants.AccessRecords.Add(new AccessRecord { Users = [BroadReader], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users"] });
        _stack.Authress.Grants.AccessRecords.Add(new AccessRecord { Users = [NarrowReader], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users/u1"] });
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Cached_reads_make_no_table_authress_or_provider_call()
    {
        await _stack.ConnectAllAsync("u1", "mail");
        using (var warm = await ReadAsync(_stack.Host, "u1", "mail", BroadReader))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        await _stack.Host.Services.GetRequiredService<Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        _tableRequests.Reset();
        var authressBefore = _stack.Authress.AuthorizeRequestTargets.Count;
        var refreshesBefore = _stack.Sandbox.RefreshGrants;

        for (var i = 0; i < 50; i++)
        {
            using var response = await ReadAsync(_stack.Host, "u1", "mail", BroadReader);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(0, _tableRequests.CountTo(_stack.ConnectionsTable));
        Assert.Equal(authressBefore, _stack.Authress.AuthorizeRequestTargets.Count);
        Assert.Equal(refreshesBefore, _stack.Sandbox.RefreshGrants);
        // Each read is still audited (decision and hand-out): 100 events, written in a few batches, not 100 writes.
        await _stack.Host.Services.GetRequiredService<Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        Assert.InRange(_tableRequests.CountTo("$batch"), 1, 6);
        Assert.Equal(_tableRequests.Requests.Count, _tableRequests.CountTo("$batch"));
    }

    [Fact]
    public async Task A_caller_granted_on_the_collection_reading_a_hundred_users_costs_one_authress_call()
    {
        var before = _stack.Authress.AuthorizeRequestTargets.Count;

        for (var i = 0; i < 100; i++)
        {
            using var response = await ReadAsync(_stack.Host, "user" + i, "mail", BroadReader);
            await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, "connection_not_found");
        }

        Assert.Equal(1, _stack.Authress.AuthorizeRequestTargets.Count - before);
    }

    [Fact]
    public async Task A_caller_granted_on_one_user_falls_back_to_the_per_user_check_and_is_still_denied_elsewhere()
    {
        await _stack.ConnectAllAsync("u1", "mail");
        var before = _stack.Authress.AuthorizeRequestTargets.Count;

        using var own = await ReadAsync(_stack.Host, "u1", "mail", NarrowReader);
        using var ownAgain = await ReadAsync(_stack.Host, "u1", "mail", NarrowReader);
        using var other = await ReadAsync(_stack.Host, "u2", "mail", NarrowReader);

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ownAgain.StatusCode);
        await ProblemAssert.IsAsync(other, HttpStatusCode.Forbidden, "forbidden");
        // The collection (denied, remembered), u1's connection (allowed, remembered), u2's connection (denied).
        Assert.Equal(3, _stack.Authress.AuthorizeRequestTargets.Count - before);
    }

    [Fact]
    public async Task Concurrent_first_reads_on_a_new_instance_share_one_authress_call_and_one_record_read()
    {
        await _stack.ConnectAllAsync("u1", "mail");
        var counted = new CountingPolicy();
        // Time stands still on this instance, so "concurrent" does not depend on how fast a loaded machine serves 100 requests.
        var frozen = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var fresh = await _stack.StartAnotherInstanceAsync(configureServices: services =>
        {
            CountTableRequests(counted)(services);
            services.AddSingleton<TimeProvider>(frozen);
        });
        var before = _stack.Authress.AuthorizeRequestTargets.Count;

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => ReadAsync(fresh, "u1", "mail", BroadReader)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, _stack.Authress.AuthorizeRequestTargets.Count - before);
        var recordReads = counted.Requests.Where(r => r.StartsWith("GET", StringComparison.Ordinal) && r.Contains(_stack.ConnectionsTable, StringComparison.Ordinal)).ToList();
        Assert.True(recordReads.Count == 1, string.Join('\n', counted.Requests));
        Assert.Single(counted.Requests, r => r.StartsWith("PATCH", StringComparison.Ordinal) || r.StartsWith("MERGE", StringComparison.Ordinal));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_disconnect_on_another_instance_takes_effect_here_within_the_snapshot_lifetime()
    {
        await _stack.ConnectAllAsync("u1", "mail");
        var other = await _stack.StartAnotherInstanceAsync();
        using (var warm = await ReadAsync(_stack.Host, "u1", "mail", BroadReader))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using (var disconnect = new HttpRequestMessage(HttpMethod.Delete, "api/users/u1/connections/mail"))
        {
            disconnect.Headers.Authorization = new("Bearer", _stack.UserToken("u1"));
            using var deleted = await other.Client.SendAsync(disconnect);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // Here it is still within the bound; past it (2 s by default), the disconnect is seen.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        using var after = await ReadAsync(_stack.Host, "u1", "mail", BroadReader);
        await ProblemAssert.IsAsync(after, HttpStatusCode.NotFound, "connection_not_found");
    }

    [Fact]
    public async Task This_instances_own_disconnect_is_seen_at_once_and_zero_lifetime_reads_every_time()
    {
        await _stack.ConnectAllAsync("u1", "mail");
        await _stack.ConnectAllAsync("u1", "drive");
        var readsEveryTime = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Storage:ConnectionSnapshotLifetime"] = "00:00:00" });
        using (await ReadAsync(_stack.Host, "u1", "mail", BroadReader))
        using (await ReadAsync(readsEveryTime, "u1", "drive", BroadReader))
        {
        }

        using (var disconnect = new HttpRequestMessage(HttpMethod.Delete, "api/users/u1/connections/mail"))
        {
            disconnect.Headers.Authorization = new("Bearer", _stack.UserToken("u1"));
            (await _stack.Host.Client.SendAsync(disconnect)).Dispose();
        }

        using (var disconnect = new HttpRequestMessage(HttpMethod.Delete, "api/users/u1/connections/drive"))
        {
            disconnect.Headers.Authorization = new("Bearer", _stack.UserToken("u1"));
            (await _stack.Host.Client.SendAsync(disconnect)).Dispose();
        }

        using var own = await ReadAsync(_stack.Host, "u1", "mail", BroadReader);
        using var elsewhere = await ReadAsync(readsEveryTime, "u1", "drive", BroadReader);
        await ProblemAssert.IsAsync(own, HttpStatusCode.NotFound, "connection_not_found");
        await ProblemAssert.IsAsync(elsewhere, HttpStatusCode.NotFound, "connection_not_found");
    }

    [Fact]
    public async Task Cached_reads_write_no_log_line_at_default_levels()
    {
        var logs = new CapturedLogs();
        await using var stack = await ConnectStack.StartAsync(azurite, configureServices: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        await stack.ConnectAllAsync("u1", "mail");
        using (var warm = await ReadAsync(stack, stack.Host, "u1", "mail", ConnectStack.Caller))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var before = logs.Messages.Count;
        for (var i = 0; i < 20; i++)
        {
            using var response = await ReadAsync(stack, stack.Host, "u1", "mail", ConnectStack.Caller);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await stack.Host.Services.GetRequiredService<Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        var during = logs.Messages.Skip(before).Where(m => !m.StartsWith("Debug", StringComparison.Ordinal) && !m.StartsWith("Trace", StringComparison.Ordinal)).ToList();
        Assert.True(during.Count == 0, string.Join('\n', during));
    }

    private Action<IServiceCollection> CountTableRequests(CountingPolicy policy) => services =>
    {
        var options = new TableClientOptions();
        options.AddPolicy(policy, HttpPipelinePosition.PerCall);
        services.AddSingleton(azurite.CreateServiceClient(options));
    };

    private Task<HttpResponseMessage> ReadAsync(RunningDevHost host, string userId, string connectionId, string caller) =>
        ReadAsync(_stack, host, userId, connectionId, caller);

    private static async Task<HttpResponseMessage> ReadAsync(ConnectStack stack, RunningDevHost host, string userId, string connectionId, string caller)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{userId}/connections/{connectionId}/access-token");
        request.Headers.Authorization = new("Bearer", stack.CallerToken(caller));
        return await host.Client.SendAsync(request);
    }
}
