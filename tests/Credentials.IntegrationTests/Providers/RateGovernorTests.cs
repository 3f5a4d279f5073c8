using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Credentials.Functions.Connections;
using Credentials.Functions.Maintenance;
using Credentials.Functions.Refresh;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Credentials.Tests.Providers;

/// <summary>
/// The provider rate-limit governor: three app instances on one Azurite against the sandbox provider enforcing a limit
/// on its token endpoint (RateLimit-* headers, 429 over the limit), counted at the provider.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class RateGovernorTests(AzuriteFixture azurite)
{
    private const string User = "u1";
    private const int Limit = 6;

    [Fact]
    public async Task Three_instances_keep_a_limiting_provider_within_its_limit_and_answer_429_before_it_would()
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Refresh:MaxProviderRetries"] = "0" });
        var ids = Enumerable.Range(0, 12).Select(i => "c" + i).ToArray();
        await stack.ConnectAllAsync(User, ids);
        stack.Sandbox.RateLimit.Window = TimeSpan.FromMinutes(3);
        stack.Sandbox.RateLimit.Limit = Limit;

        // One refresh on the first instance: the sandbox's answer states the limit, which that instance shares.
        var warmUp = await stack.Host.Services.GetRequiredService<RefreshEngine>().RefreshAsync(
            new RefreshDemand(ConnectionKey.Of(await stack.RecordAsync(User, "c0")), TimeSpan.Zero, DateTimeOffset.UtcNow, "test", "warm-up"), CancellationToken.None);
        Assert.True(warmUp.Value?.Refreshed);
        foreach (var id in ids)
        {
            await stack.EditAsync(User, id, r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
        }

        var hosts = new[] { stack.Host, await stack.StartAnotherInstanceAsync(), await stack.StartAnotherInstanceAsync() };
        var deferred = hosts.Select(host => new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Credentials.Functions",
            "credentials.maintenance.deferred")).ToList();

        // Every instance walks all twelve due connections at once: keep-alive takes no more than its share of the window.
        var reports = await Task.WhenAll(hosts.Select(host => host.Services.GetRequiredService<MaintenanceRunner>().RunAsync(CancellationToken.None)));

        Assert.InRange(reports.Sum(report => report.Refreshed), 0, 1);
        Assert.True(reports.Sum(report => report.Deferred) >= ids.Length - 1);
        Assert.Equal(reports.Sum(report => report.Deferred), deferred.Sum(d => d.GetMeasurementSnapshot().EvaluateAsCounter()));
        deferred.ForEach(d => d.Dispose());
        Assert.Equal(0, reports.Sum(report => report.Failed));

        // Callers on every instance renew tokens until the window is spent, then are answered 429 by the service itself.
        var served = 0;
        var refused = new List<(HttpStatusCode Status, string? Code, TimeSpan? RetryAfter)>();
        for (var i = 0; i < ids.Length; i++)
        {
            using var response = await RenewAsync(stack, hosts[i % hosts.Length], ids[i]);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                served++;
                continue;
            }

            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            refused.Add((response.StatusCode, problem.GetProperty("code").GetString(), response.Headers.RetryAfter?.Delta));
        }

        Assert.Equal(0, stack.Sandbox.TokenRequestsRateLimited);
        Assert.InRange(stack.Sandbox.RateLimit.MostInAWindow, 1, Limit);
        Assert.True(served >= 3, $"callers were served {served} times: their share of the window was not left to them");
        Assert.NotEmpty(refused);
        Assert.All(refused, answer =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
            Assert.Equal("provider_rate_limited", answer.Code);
            Assert.InRange(answer.RetryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(2));
        });
        Assert.All(ids, id => Assert.NotEqual(ConnectionStatus.ReauthorizationRequired, stack.RecordAsync(User, id).Result.Status));
        Assert.Equal(0, (await stack.RecordAsync(User, "c5")).ConsecutiveFailures);
    }

    private static async Task<HttpResponseMessage> RenewAsync(ConnectStack stack, RunningDevHost host, string connectionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/{connectionId}/access-token?renew=true");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.CallerToken());
        return await host.Client.SendAsync(request);
    }
}
