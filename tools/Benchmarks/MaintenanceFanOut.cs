using System.Diagnostics;
using System.Text.Json;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Credentials.DevHost;
using Credentials.Functions.Maintenance;
using Credentials.SandboxProvider;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Benchmarks;

/// <summary>
/// The fanned-out maintenance lap over many connections, with 1 and then 3 dev host instances in one run: the timer's
/// planner queues the work items, every instance's queue trigger processes them. Real parts (Azurite, the sandbox
/// provider); every connection holds a real grant and is due for keep-alive on both laps (the second lap's hosts run two days ahead), so
/// each lap refreshes each connection once. Reports connections per minute and table requests per connection.
/// </summary>
internal static class MaintenanceFanOut
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task RunAsync(int connections, int[] instanceCounts)
    {
        using var azurite = LocalAzurite.Start();
        var sandboxOptions = new SandboxProviderOptions { AutoApproveAs = "bench-user" };
        sandboxOptions.RedirectUris.Add(new Uri("http://127.0.0.1:7071/api/oauth/callback/sandbox"));
        await using var sandbox = await SandboxProviderServer.StartAsync("http://127.0.0.1:0", sandboxOptions);
        var settings = new Dictionary<string, string?>
        {
            ["Service:PublicBaseUrl"] = "http://127.0.0.1:7071",
            ["Outbound:AllowPrivateNetworkTargets"] = "true",
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Encryption:KeySource"] = "Local",
            ["Encryption:LocalKeys:bench-0001"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Authentication:Issuers:0:Issuer"] = "http://127.0.0.1:9/",
            ["Authentication:Issuers:0:ServiceClientsOnly"] = "true",
            ["Authress:ApiBaseUrl"] = "http://127.0.0.1:9/",
            ["Authress:AccessKey"] = MaintenanceThroughput.BenchAccessKey(),
            ["Providers:sandbox:Preset"] = "oidc",
            ["Providers:sandbox:Issuer"] = sandbox.Issuer.ToString(),
            ["Providers:sandbox:ClientId"] = sandboxOptions.ClientId,
            ["Providers:sandbox:ClientSecret"] = sandboxOptions.ClientSecret,
            ["Maintenance:Schedule"] = "0 0 0 1 1 *",
            ["Storage:MaintenanceQueue"] = "maintenance-work",
        };
        var counter = new CountingPolicy();
        var results = new List<object>();
        var seeded = false;
        var shift = TimeSpan.Zero;
        foreach (var instances in instanceCounts)
        {
            var time = new ShiftedTime(shift);
            shift += TimeSpan.FromDays(2);
            var hosts = new List<WebApplication>();
            for (var i = 0; i < instances; i++)
            {
                var host = DevHostApplication.Build(new DevHostSettings
                {
                    LocalSettingsPath = Path.Combine(Path.GetTempPath(), "no-local-settings-for-benchmarks.json"),
                    Url = "http://127.0.0.1:0",
                    Overrides = settings,
                    RunTimers = false,
                    QueueTriggers = QueueTriggerSettings.FromHostJson(Path.Combine(AppContext.BaseDirectory, "host.json")) with
                    {
                        MaxPollingInterval = TimeSpan.FromMilliseconds(500),
                    },
                    ConfigureServices = services =>
                    {
                        var tableOptions = new TableClientOptions();
                        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
                        services.AddSingleton(new TableServiceClient(azurite.ConnectionString, tableOptions));
                        services.AddSingleton<TimeProvider>(time);
                    },
                });
                await host.StartAsync();
                hosts.Add(host);
            }

            if (!seeded)
            {
                Console.WriteLine($"Seeding {connections} connections with real sandbox grants…");
                await MaintenanceThroughput.SeedAsync(hosts[0].Services, sandbox, connections);
                seeded = true;
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
            counter.Reset();
            var grantsBefore = sandbox.RefreshGrants;
            var lap = Stopwatch.StartNew();
            var planner = hosts[0].Services.GetRequiredService<MaintenancePlanner>();
            var items = 0;
            MaintenanceReport plan;
            do
            {
                plan = await planner.PlanAsync(CancellationToken.None);
                items += plan.ItemsQueued;
            }
            while (!plan.LapCompleted);

            var queue = new QueueClient(azurite.ConnectionString, "maintenance-work");
            while (sandbox.RefreshGrants - grantsBefore < connections || (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }

            lap.Stop();
            var refreshed = sandbox.RefreshGrants - grantsBefore;
            results.Add(new
            {
                instances,
                connections,
                workItems = items,
                refreshed,
                providerFailures = sandbox.FailedRefreshGrants,
                seconds = Math.Round(lap.Elapsed.TotalSeconds, 1),
                connectionsPerMinute = Math.Round(refreshed / lap.Elapsed.TotalMinutes),
                tableRequests = counter.Count,
                tableRequestsPerConnection = Math.Round((double)counter.Count / connections, 2),
                byMethod = counter.ByMethod(),
            });
            Console.WriteLine(JsonSerializer.Serialize(results[^1], Indented));
            foreach (var host in hosts)
            {
                await host.StopAsync();
                await host.DisposeAsync();
            }
        }

        Console.WriteLine(string.Join(Environment.NewLine, results.Select(r => JsonSerializer.Serialize(r))));
    }

    /// <summary>The clock of one lap's hosts: the next lap runs days later, so that every connection is due again.</summary>
    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}
