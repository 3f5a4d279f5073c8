using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Credentials.Benchmarks;

/// <summary>
/// Not a BenchmarkDotNet benchmark: HTTP load against the dev host with real parts (Azurite, the sandbox provider, the
/// local Authress endpoint), all on this machine, measured side by side in one run: the health route (the floor), a
/// cached token read, and the same read on an instance with every cache off. Throughput is served (2xx) answers only,
/// with every other answer counted beside it. Counts remote calls at the Azure SDK pipeline, the Authress endpoint and
/// the provider, and bytes logged at default levels. One caller makes all the load, so the per-caller rate limit is
/// set off here (RateLimit:PermitsPerSecond=0); everything else is the product as deployed.
/// </summary>
internal static partial class LoadBenchmark
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task RunAsync(TimeSpan duration, int concurrency)
    {
        await using var stack = await BenchStack.StartAsync();
        stack.Settings["RateLimit:PermitsPerSecond"] = "0";
        var cachesOff = new Dictionary<string, string?>
        {
            ["Storage:ConnectionSnapshotLifetime"] = "00:00:00",
            ["Authorization:AllowCacheDuration"] = "00:00:00",
            ["Authorization:DenyCacheDuration"] = "00:00:00",
            ["Refresh:MemoryCacheEntries"] = "0",
        };

        var tableCalls = new CountingPolicy();
        var logBytes = new LogByteCounter();
        var cached = await stack.StartHostAsync(null, stack.Listener, services => services.AddSingleton<ILoggerProvider>(logBytes), tableCalls);
        var uncached = await stack.StartHostAsync(cachesOff);
        var cachedBase = stack.PublicBase;
        var uncachedBase = uncached.Urls.Single();
        var authress = stack.Authress;
        var sandbox = stack.Sandbox;
        var azurite = stack.Azurite;

        await stack.ConnectAsync(cachedBase);
        var readerToken = stack.ReaderToken();
        var tokenPath = BenchStack.TokenPath;
        using (var warm = new HttpClient())
        {
            warm.DefaultRequestHeaders.Authorization = new("Bearer", readerToken);
            (await warm.GetAsync(cachedBase + tokenPath)).EnsureSuccessStatusCode();
            (await warm.GetAsync(uncachedBase + tokenPath)).EnsureSuccessStatusCode();
        }

        var tool = WrkAvailable() ? "wrk" : "built-in C# loop";
        Console.WriteLine($"Load with {tool}, {concurrency} connections, {duration.TotalSeconds:F0} s per route…");
        Phase("health");
        var health = await LoadAsync(cachedBase + "/api/health", null, duration, concurrency);

        await cached.Services.GetRequiredService<Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        tableCalls.Reset();
        var authressBefore = authress.AuthorizeRequestTargets.Count;
        var refreshesBefore = sandbox.RefreshGrants;
        var logBefore = logBytes.Bytes;
        var appCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var azuriteCpuBefore = azurite.CpuTime;
        Phase("cached-read");
        var hot = await LoadAsync(cachedBase + tokenPath, readerToken, duration, concurrency);
        var appCpu = Process.GetCurrentProcess().TotalProcessorTime - appCpuBefore;
        var azuriteCpu = azurite.CpuTime - azuriteCpuBefore;
        await cached.Services.GetRequiredService<Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        var hotTable = tableCalls.Count - tableCalls.CountTo("$batch");
        var hotBatches = tableCalls.CountTo("$batch");
        var hotAuthress = authress.AuthorizeRequestTargets.Count - authressBefore;
        var hotProvider = sandbox.RefreshGrants - refreshesBefore;
        var hotLogBytes = logBytes.Bytes - logBefore;

        Phase("caches-off-read");
        var cold = await LoadAsync(uncachedBase + tokenPath, readerToken, duration, concurrency);

        // One caller reading 100 distinct users on a fresh instance.
        var fresh = await stack.StartHostAsync();
        var before = authress.AuthorizeRequestTargets.Count;
        using (var client = new HttpClient())
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", readerToken);
            for (var i = 0; i < 100; i++)
            {
                using var response = await client.GetAsync($"{fresh.Urls.Single()}/api/users/user-{i}/connections/sandbox/access-token");
            }
        }

        var broad = authress.AuthorizeRequestTargets.Count - before;

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            tool,
            concurrency,
            seconds = duration.TotalSeconds,
            health,
            cachedRead = hot,
            cachesOffRead = cold,
            servedCachedToFloor = Math.Round(hot.ServedPerSecond / health.ServedPerSecond, 2),
            servedCachedToCachesOff = Math.Round(hot.ServedPerSecond / cold.ServedPerSecond, 1),
            perCachedRead = new
            {
                tableRequests = Math.Round((double)hotTable / hot.Requests, 4),
                auditBatchRequests = Math.Round((double)hotBatches / hot.Requests, 4),
                authressCalls = Math.Round((double)hotAuthress / hot.Requests, 4),
                providerCalls = Math.Round((double)hotProvider / hot.Requests, 4),
                logBytes = Math.Round((double)hotLogBytes / hot.Requests, 2),
            },
            authressCallsFor100DistinctUsers = broad,
            cpuDuringCachedRun = new
            {
                appSeconds = Math.Round(appCpu.TotalSeconds, 1),
                azuriteSeconds = Math.Round(azuriteCpu.TotalSeconds, 1),
                wallSeconds = duration.TotalSeconds,
                appMicrosecondsPerServedRead = Math.Round(appCpu.TotalMilliseconds * 1000 / Math.Max(1, hot.Requests - hot.NonSuccess), 1),
            },
        }, Indented));
    }

    /// <summary>Said on stderr when a phase starts, with the process id, so a profiler can be attached to one phase.</summary>
    private static void Phase(string name) => Console.Error.WriteLine($"phase {name} starts (pid {Environment.ProcessId})");

    internal static async Task<LoadResult> LoadAsync(string url, string? bearer, TimeSpan duration, int concurrency) =>
        WrkAvailable() ? await WrkAsync(url, bearer, duration, concurrency) : await LoopAsync(url, bearer, duration, concurrency);

    internal static bool WrkAvailable() => File.Exists("/usr/bin/wrk") || File.Exists("/usr/local/bin/wrk");

    private static async Task<LoadResult> WrkAsync(string url, string? bearer, TimeSpan duration, int concurrency)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
        // A 30-s timeout: a read that waits for a refresh (up to Refresh:ReadTimeout) is an answer, not a socket error.
        foreach (var argument in new[] { "-t1", $"-c{concurrency}", $"-d{(int)duration.TotalSeconds}s", "--latency", "--timeout", "30s" })
        {
            start.ArgumentList.Add(argument);
        }

        if (bearer is not null)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add("Authorization: Bearer " + bearer);
        }

        start.ArgumentList.Add(url);
        using var wrk = Process.Start(start)!;
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        var non2xx = NonSuccess().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var socketErrors = SocketErrors().Match(output) is { Success: true } e
            ? e.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0;
        return new LoadResult(
            double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
            long.Parse(TotalRequests().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
            Milliseconds(Percentile().Matches(output).First(p => p.Groups[1].Value == "50")),
            Milliseconds(Percentile().Matches(output).First(p => p.Groups[1].Value == "99")),
            non2xx)
        { SocketErrors = socketErrors };
    }

    private static double Milliseconds(Match percentile)
    {
        var value = double.Parse(percentile.Groups[2].Value, CultureInfo.InvariantCulture);
        return Math.Round(percentile.Groups[3].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value }, 2);
    }

    /// <summary>Where wrk is not installed: the same shape of load from this process (which then shares the CPU).</summary>
    private static async Task<LoadResult> LoopAsync(string url, string? bearer, TimeSpan duration, int concurrency)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }

        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        long failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(url);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                failures += response.IsSuccessStatusCode ? 0 : 1;
            }
        }));
        var sorted = latencies.Order().ToArray();
        return new LoadResult(Math.Round(sorted.Length / clock.Elapsed.TotalSeconds, 0), sorted.Length,
            Math.Round(sorted[sorted.Length / 2], 2), Math.Round(sorted[(int)(sorted.Length * 0.99)], 2), failures);
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex TotalRequests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", RegexOptions.Multiline)]
    private static partial Regex Percentile();

    /// <summary>One load phase: every answer, and of them the served (2xx) ones, which alone count as throughput.</summary>
    internal sealed record LoadResult(double RequestsPerSecond, long Requests, double P50Ms, double P99Ms, long NonSuccess)
    {
        public long Served => Requests - NonSuccess;

        public double ServedPerSecond => Requests == 0 ? 0 : Math.Round(RequestsPerSecond * Served / Requests, 0);

        /// <summary>Requests that got no answer at all (connect, read or write errors, timeouts): not counted in <see cref="Requests"/>.</summary>
        public long SocketErrors { get; init; }
    }

    /// <summary>Bytes the host's logging pipeline lets through at its configured levels, formatted as one console line each.</summary>
    private sealed class LogByteCounter : ILoggerProvider
    {
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public ILogger CreateLogger(string categoryName) => new Counter(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Counter(LogByteCounter owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = $"{logLevel}: {category}[{eventId.Id}] {formatter(state, exception)} {exception}\n";
                Interlocked.Add(ref owner._bytes, Encoding.UTF8.GetByteCount(line));
            }
        }
    }
}
