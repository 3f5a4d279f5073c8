using System.Diagnostics;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Benchmarks;

/// <summary>
/// The soak and the slow-storage run: three dev-host instances of the product (one process, one Azurite, one sandbox
/// provider that rotates refresh tokens and revokes the grant when a rotated one is presented again, no grace), 10-s
/// access tokens, a 5-s lease, and wrk on every instance at once for the whole run. With <c>slowStorage</c>, every
/// Table write (not reads) waits 8 s in <see cref="SlowStorageProxy"/>, longer than the lease. Reports served (2xx)
/// answers and every other answer by instance, refreshes against the expiry windows, what the provider refused, and
/// whether the grant is alive afterwards.
/// </summary>
internal static class OverloadRuns
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(10);
    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task RunAsync(TimeSpan duration, bool slowStorage, int connectionsPerInstance)
    {
        await using var stack = await BenchStack.StartAsync(sandbox => sandbox.AccessTokenLifetime = TokenLifetime);
        await using var slow = await SlowStorageProxy.StartAsync(stack.Azurite.TablePort);
        stack.Settings["Storage:ConnectionString"] = slow.Route(stack.Azurite.ConnectionString, stack.Azurite.TablePort);
        stack.Settings["Refresh:LeaseDuration"] = "00:00:05";
        // One caller makes all the load: the per-caller limit would answer most of it 429 (it is measured in the tests).
        stack.Settings["RateLimit:PermitsPerSecond"] = "0";
        var hosts = new[] { await stack.StartHostAsync(null, stack.Listener), await stack.StartHostAsync(), await stack.StartHostAsync() };
        var bases = new[] { stack.PublicBase, hosts[1].Urls.Single(), hosts[2].Urls.Single() };
        await stack.ConnectAsync(stack.PublicBase);
        var reader = stack.ReaderToken();

        GC.Collect();
        var memoryBefore = Process.GetCurrentProcess().WorkingSet64;
        var refreshesBefore = stack.Sandbox.RefreshGrants;
        slow.WriteDelay = TimeSpan.FromSeconds(8);
        slow.Armed = slowStorage;
        Console.Error.WriteLine($"{(slowStorage ? "slow-storage" : "soak")}: 3 instances × wrk -c{connectionsPerInstance} for {duration.TotalSeconds:F0} s…");
        var runs = await Task.WhenAll(bases.Select(b => LoadBenchmark.LoadAsync(b + BenchStack.TokenPath, reader, duration, connectionsPerInstance)));
        slow.Armed = false;
        var refreshes = stack.Sandbox.RefreshGrants - refreshesBefore;
        GC.Collect();
        var memoryGrowthMb = (Process.GetCurrentProcess().WorkingSet64 - memoryBefore) / (1024.0 * 1024.0);

        // Whatever is still being stored lands; then the stored grant must be the live one and must still refresh.
        await Task.Delay(TimeSpan.FromSeconds(20));
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", reader);
        using var after = await client.GetAsync($"{stack.PublicBase}{BenchStack.TokenPath}?minValiditySeconds=5");
        var key = ConnectionKey.TryCreate(BenchStack.User, BenchStack.ConnectionId, out var valid) ? valid : throw new InvalidOperationException();
        var record = await hosts[0].Services.GetRequiredService<ConnectionStore>().GetAsync(key, CancellationToken.None);
        var refreshToken = await hosts[0].Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(record!, CancellationToken.None);

        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
        {
            run = slowStorage ? "slow-storage" : "soak",
            seconds = duration.TotalSeconds,
            instances = 3,
            connectionsPerInstance,
            tableWriteDelaySeconds = slowStorage ? 8 : 0,
            leaseSeconds = 5,
            accessTokenSeconds = TokenLifetime.TotalSeconds,
            answers = runs.Sum(r => r.Requests),
            served2xx = runs.Sum(r => r.Served),
            notServed = runs.Sum(r => r.NonSuccess),
            noAnswer = runs.Sum(r => r.SocketErrors),
            servedPerSecond = Math.Round(runs.Sum(r => r.Served) / duration.TotalSeconds, 0),
            perInstance = runs.Select(r => new { r.Requests, r.Served, r.NonSuccess, r.SocketErrors, r.P50Ms, r.P99Ms }),
            delayedTableWrites = slow.DelayedWrites,
            providerRefreshes = refreshes,
            // A token is refreshed when less than half its lifetime is left: one expiry window per half lifetime.
            expiryWindows = (int)Math.Ceiling(duration / (TokenLifetime / 2)),
            providerRefusedRefreshes = stack.Sandbox.FailedRefreshGrants,
            grantAliveAfter = after.IsSuccessStatusCode && record!.Status == ConnectionStatus.Active && await stack.Sandbox.IsRefreshTokenUsableAsync(refreshToken),
            answerAfter = (int)after.StatusCode,
            processMemoryGrowthMb = Math.Round(memoryGrowthMb, 1),
        }, Indented));
    }
}
