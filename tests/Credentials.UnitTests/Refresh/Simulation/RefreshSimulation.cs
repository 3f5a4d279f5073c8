using System.Text;
using Credentials.Functions.Connections;
using Credentials.Functions.Refresh;

namespace Credentials.Tests.Refresh.Simulation;

/// <summary>What one seeded schedule drew, for the failure message and the replay.</summary>
internal sealed record SimSchedule(int Instances, TimeSpan? Grace, TimeSpan Lease, bool FaultFree, TimeSpan FaultWindow, int Crashes);

/// <summary>The result of one schedule: null <see cref="Violation"/> when every invariant held after every step.</summary>
internal sealed record SimRun(int Seed, SimSchedule Schedule, long Steps, string? Violation, int ViolatedInvariant, int ProviderRefreshes);

/// <summary>
/// Builds one schedule from a seed: 2–5 instances, one Table row, one strict provider, faults for a drawn window
/// (latency up to 22 s, 503, timeouts, ambiguous writes, provider 5xx/429/lost answers, crashes), then a quiet phase
/// after which every instance must serve again (invariant 4).
/// </summary>
internal static class RefreshSimulation
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MinValidity = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The liveness bound: after faults stop, tokens are served again within this (the longest cooldown, 15 min, plus
    /// an abandoned lease's wait, 2 min, plus slack).
    /// </summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(20);


    public static SimRun Run(int seed, SimMutation mutation, List<string>? trace = null)
    {
        var world = new SimWorld(seed, mutation) { Trace = trace };
        var random = world.Random;
        var instances = random.Next(2, 6);
        TimeSpan? grace = random.NextDouble() < 0.4 ? TimeSpan.FromSeconds(random.Next(30, 301)) : null;
        var options = new RefreshOptions { LeaseDuration = random.NextDouble() < 0.5 ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(30) };
        world.FaultFree = random.NextDouble() < 0.15;
        var faultWindow = world.FaultFree ? TimeSpan.Zero : TimeSpan.FromSeconds(random.Next(60, 601));
        world.FaultsUntil = SimWorld.Start + faultWindow;
        var slow = random.NextDouble() < 0.6;
        var storeFaults = world.FaultFree ? SimStoreFaults.None : new SimStoreFaults(
            Unavailable: random.NextDouble() * 0.1, TimedOut: random.NextDouble() * 0.05, Ambiguous: random.NextDouble() * 0.1,
            Slow: slow ? random.NextDouble() * 0.8 : 0, SlowMin: TimeSpan.FromSeconds(3), SlowMax: TimeSpan.FromSeconds(random.Next(8, 23)));
        var providerFaults = world.FaultFree ? SimProviderFaults.None : new SimProviderFaults(
            Unavailable: random.NextDouble() * 0.2, TooMany: random.NextDouble() * 0.1, LostAnswer: random.NextDouble() * 0.05,
            SlowMax: TimeSpan.FromSeconds(random.Next(1, 20)));
        var store = new SimTableStore(world, storeFaults);
        var provider = new SimProvider(world, providerFaults, grace, TokenLifetime, MinValidity);
        // The token starts close to its end, so the first refresh comes early and under faults.
        var lifetimeLeft = TimeSpan.FromSeconds(random.Next(30, 600));
        var (access, expires) = provider.Initial(lifetimeLeft);
        store.Seed(new ConnectionRecord
        {
            UserId = "u1",
            ConnectionId = "c1",
            ProviderId = "sim",
            CreatedAt = world.Now,
            UpdatedAt = world.Now,
            LastRefreshSucceededAt = world.Now + lifetimeLeft - TokenLifetime,
            RefreshTokenEnvelope = Encoding.UTF8.GetBytes(provider.Current),
            AccessTokenEnvelope = Encoding.UTF8.GetBytes(access),
            AccessTokenExpiresAt = expires,
            AccessTokenType = "Bearer",
        });
        store.Landed = record =>
        {
            if (record.Status == ConnectionStatus.ReauthorizationRequired && !provider.Revoked)
            {
                world.Fail(2, "the connection was marked reauthorization_required while the provider still held its grant live");
            }
        };

        var crashes = 0;
        var fleet = new List<SimInstance>();
        for (var i = 0; i < instances; i++)
        {
            var instance = new SimInstance(world, store, provider, options, grace, MinValidity, $"i{i}");
            fleet.Add(instance);
            instance.StartReading();
            if (!world.FaultFree && random.NextDouble() < 0.3)
            {
                crashes++;
                var at = world.Between(TimeSpan.Zero, faultWindow);
                world.After(at, () =>
                {
                    instance.Crash();
                    world.After(world.Between(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)), instance.Restart);
                });
            }
        }

        var end = world.FaultsUntil + TimeSpan.FromMinutes(1) + Quiet;
        world.RunUntil(end);
        if (world.Violation is null && !(provider.Revoked && provider.RevokedExcusably))
        {
            var served = fleet.Select(i => i.LastServedAt).Max();
            // Readers come every 1–20 s: an instance that serves at all served within the last minute.
            if (served is null || served < end - TimeSpan.FromMinutes(1))
            {
                world.Fail(4, $"faults stopped at t = {(world.FaultsUntil - SimWorld.Start).TotalSeconds:F0} s and no instance served a token since "
                    + $"{(served is { } s ? (s - SimWorld.Start).TotalSeconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " s" : "the start")}");
            }
        }

        return new SimRun(seed, new SimSchedule(instances, grace, options.LeaseDuration, world.FaultFree, faultWindow, crashes), world.Step, world.Violation,
            world.ViolatedInvariant, provider.Refreshes);
    }
}
