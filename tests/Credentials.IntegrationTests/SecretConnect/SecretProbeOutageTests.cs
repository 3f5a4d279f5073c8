using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Credentials.Functions.Connections;
using Credentials.Functions.Maintenance;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.SecretConnect;

/// <summary>
/// A probe endpoint that gives no answer (it accepts and never answers, or refuses the connection): the maintenance walk
/// leaves the stored secrets as they were (no status, no event: an outage is not a refusal), spends about one probe
/// timeout on the provider, not one per connection, and a submission answers 503 with its code, never 500. The secrets
/// were stored while the sandbox answered; another instance whose settings point the provider's API at the dead address
/// stands for the outage.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class SecretProbeOutageTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private ConnectStack _stack = null!;

    public async Task InitializeAsync() => _stack = await SecretStack.StartAsync(azurite);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task A_probe_that_never_answers_changes_nothing_and_costs_the_walk_one_timeout_not_one_per_connection()
    {
        string[] connections = ["crm1", "crm2", "crm3", "crm4", "crm5"];
        var before = await StoreDueSecretsAsync(connections);
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var outage = await StartInstanceProbingAsync(((IPEndPoint)silent.LocalEndpoint).Port, concurrency: 1);

        var watch = Stopwatch.StartNew();
        var report = await outage.Services.GetRequiredService<MaintenanceRunner>().RunAsync(CancellationToken.None);
        watch.Stop();

        // One probe waits out its timeout; the provider's other secrets wait for the next walk (five timeouts otherwise).
        Assert.Equal((1, 4, 0), (report.Failed, report.Deferred, report.MarkedForReauthorization));
        Assert.InRange(watch.Elapsed, ProbeTimeout, ProbeTimeout * 3.5);
        await AssertUnchangedAsync(before);

        watch.Restart();
        using var submitted = await SubmitAsync(outage, "crm6", "key-crm6");
        await ProblemAssert.IsAsync(submitted, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
        Assert.InRange(watch.Elapsed, ProbeTimeout, ProbeTimeout * 3);
        Assert.NotNull(submitted.Headers.RetryAfter);
        Assert.Null(await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(User, "crm6"), CancellationToken.None));

        // The provider answers again: the next walk probes every secret.
        var recovered = await _stack.RunMaintenanceAsync();
        Assert.Equal((0, 0, 0), (recovered.Failed, recovered.Deferred, recovered.MarkedForReauthorization));
        foreach (var connectionId in connections)
        {
            Assert.True((await _stack.RecordAsync(User, connectionId)).LastRefreshSucceededAt > DateTimeOffset.UtcNow.AddMinutes(-1), connectionId);
        }
    }

    [Fact]
    public async Task A_probe_whose_connection_is_refused_changes_nothing_and_a_submission_answers_503()
    {
        var before = await StoreDueSecretsAsync(["crm"]);
        var outage = await StartInstanceProbingAsync(ClosedPort(), concurrency: 4);

        var report = await outage.Services.GetRequiredService<MaintenanceRunner>().RunAsync(CancellationToken.None);
        using var submitted = await SubmitAsync(outage, "crm2", "key-crm2");

        Assert.Equal((1, 0, 0), (report.Failed, report.Deferred, report.MarkedForReauthorization));
        await AssertUnchangedAsync(before);
        await ProblemAssert.IsAsync(submitted, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
        Assert.Null(await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(User, "crm2"), CancellationToken.None));
    }

    /// <summary>Secrets stored while the sandbox answers, their last check two days ago (a probe is due); their records as stored.</summary>
    private async Task<List<ConnectionRecord>> StoreDueSecretsAsync(string[] connectionIds)
    {
        foreach (var connectionId in connectionIds)
        {
            _stack.Sandbox.Options.ApiKeys["key-" + connectionId] = "keyed-user";
            using var submitted = await SubmitAsync(_stack.Host, connectionId, "key-" + connectionId);
            Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
            await _stack.EditAsync(User, connectionId, r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddDays(-2) });
        }

        await _stack.WaitForStatusEventsAsync(connectionIds.Length);
        await _stack.ClearStatusEventsAsync();
        return [.. await Task.WhenAll(connectionIds.Select(id => _stack.RecordAsync(User, id)))];
    }

    private async Task AssertUnchangedAsync(List<ConnectionRecord> before)
    {
        foreach (var record in before)
        {
            var now = await _stack.RecordAsync(User, record.ConnectionId);
            Assert.Equal((ConnectionStatus.Active, record.ETag), (now.Status, now.ETag));
        }

        Assert.Empty(await _stack.StatusEventsAsync());
    }

    /// <summary>Another instance on the same tables whose <c>keyed</c> provider's API (and probe) is at 127.0.0.1:<paramref name="port"/>.</summary>
    private Task<RunningDevHost> StartInstanceProbingAsync(int port, int concurrency) => _stack.StartAnotherInstanceAsync(new Dictionary<string, string?>
    {
        [$"Providers:{SecretStack.Keyed}:ApiBaseUrls:default"] = $"http://127.0.0.1:{port}/keyed",
        [$"Providers:{SecretStack.Keyed}:ProbeUrl"] = $"http://127.0.0.1:{port}/keyed/me",
        [$"Providers:{SecretStack.Keyed}:ProbeTimeout"] = ProbeTimeout.ToString(),
        ["Maintenance:Concurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }, runQueueTriggers: false);

    private async Task<HttpResponseMessage> SubmitAsync(RunningDevHost host, string connectionId, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/users/{User}/connections/{connectionId}/secret")
        {
            Content = JsonContent.Create(new { provider = SecretStack.Keyed, secret }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.UserToken(User));
        return await host.Client.SendAsync(request);
    }

    /// <summary>A loopback port nothing listens on: connecting to it is refused at once.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
