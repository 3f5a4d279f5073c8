using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Data.Tables;
using Credentials.AuthressLocal;
using Credentials.DevHost;
using Credentials.SandboxProvider;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NSec.Cryptography;

namespace Credentials.Benchmarks;

/// <summary>
/// Not a BenchmarkDotNet benchmark: HTTP load against the dev host with real parts (Azurite, the sandbox provider, the
/// local Authress endpoint), all on this machine, measured side by side in one run: the health route (the floor), a
/// cached token read, and the same read on an instance with every cache off. Counts remote calls at the Azure SDK
/// pipeline, the Authress endpoint and the provider, and bytes logged at default levels.
/// </summary>
internal static partial class LoadBenchmark
{
    private const string Reader = "sc_bench_reader";
    private const string User = "bench-user";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task RunAsync(TimeSpan duration, int concurrency)
    {
        using var azurite = LocalAzurite.Start();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(1024);
        var cachedBase = $"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndPoint!).Port}";

        var sandboxOptions = new SandboxProviderOptions { AutoApproveAs = "bench-person" };
        sandboxOptions.RedirectUris.Add(new Uri($"{cachedBase}/api/oauth/callback/sandbox"));
        await using var sandbox = await SandboxProviderServer.StartAsync("http://127.0.0.1:0", sandboxOptions);
        var grants = new Grants
        {
            Roles = { ["reader"] = ["credentials:read", "credentials:list"] },
            AccessRecords = { new AccessRecord { Users = [Reader], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users"] } },
        };
        await using var authress = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", grants, new Dictionary<string, PublicKey>());
        var (accessKey, publicKey) = NewAccessKey("sc_credentials_service");
        authress.AddServiceClient("sc_credentials_service", publicKey);

        var settings = new Dictionary<string, string?>
        {
            ["Service:PublicBaseUrl"] = cachedBase,
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Encryption:KeySource"] = "Local",
            ["Encryption:LocalKeys:bench-0001"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Authentication:Issuers:0:Issuer"] = authress.BaseAddress.ToString(),
            ["Authentication:Issuers:0:Kind"] = "Authress",
            ["Authress:ApiBaseUrl"] = authress.BaseAddress.ToString(),
            ["Authress:AccessKey"] = accessKey,
            ["Providers:sandbox:Preset"] = "oidc",
            ["Providers:sandbox:Issuer"] = sandbox.Issuer.ToString(),
            ["Providers:sandbox:ClientId"] = sandboxOptions.ClientId,
            ["Providers:sandbox:ClientSecret"] = sandboxOptions.ClientSecret,
            ["Maintenance:Schedule"] = "0 0 0 1 1 *",
        };
        var cachesOff = new Dictionary<string, string?>(settings)
        {
            ["Storage:ConnectionSnapshotLifetime"] = "00:00:00",
            ["Authorization:AllowCacheDuration"] = "00:00:00",
            ["Authorization:DenyCacheDuration"] = "00:00:00",
            ["Refresh:MemoryCacheEntries"] = "0",
        };

        var tableCalls = new CountingPolicy();
        var logBytes = new LogByteCounter();
        await using var cached = await StartHostAsync(settings, listener, azurite, tableCalls, logBytes);
        await using var uncached = await StartHostAsync(cachesOff, null, azurite, new CountingPolicy(), new LogByteCounter());
        var uncachedBase = uncached.Urls.Single();

        await ConnectAsync(cachedBase, authress);
        var readerToken = authress.MintCallerToken(Reader, CallerTokenKind.ServiceClient, TimeSpan.FromHours(2));
        var tokenPath = $"/api/users/{User}/connections/sandbox/access-token";
        using (var warm = new HttpClient())
        {
            warm.DefaultRequestHeaders.Authorization = new("Bearer", readerToken);
            (await warm.GetAsync(cachedBase + tokenPath)).EnsureSuccessStatusCode();
            (await warm.GetAsync(uncachedBase + tokenPath)).EnsureSuccessStatusCode();
        }

        var tool = WrkAvailable() ? "wrk" : "built-in C# loop";
        Console.WriteLine($"Load with {tool}, {concurrency} connections, {duration.TotalSeconds:F0} s per route…");
        var health = await LoadAsync(cachedBase + "/api/health", null, duration, concurrency);

        await cached.Services.GetRequiredService<Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        tableCalls.Reset();
        var authressBefore = authress.AuthorizeRequestTargets.Count;
        var refreshesBefore = sandbox.RefreshGrants;
        var logBefore = logBytes.Bytes;
        var appCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var azuriteCpuBefore = azurite.CpuTime;
        var hot = await LoadAsync(cachedBase + tokenPath, readerToken, duration, concurrency);
        var appCpu = Process.GetCurrentProcess().TotalProcessorTime - appCpuBefore;
        var azuriteCpu = azurite.CpuTime - azuriteCpuBefore;
        await cached.Services.GetRequiredService<Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        var hotTable = tableCalls.Count - tableCalls.CountTo("$batch");
        var hotBatches = tableCalls.CountTo("$batch");
        var hotAuthress = authress.AuthorizeRequestTargets.Count - authressBefore;
        var hotProvider = sandbox.RefreshGrants - refreshesBefore;
        var hotLogBytes = logBytes.Bytes - logBefore;

        var cold = await LoadAsync(uncachedBase + tokenPath, readerToken, duration, concurrency);

        // One caller reading 100 distinct users on a fresh instance.
        await using var fresh = await StartHostAsync(settings, null, azurite, new CountingPolicy(), new LogByteCounter());
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
            cachedToFloor = Math.Round(hot.RequestsPerSecond / health.RequestsPerSecond, 2),
            cachedToCachesOff = Math.Round(hot.RequestsPerSecond / cold.RequestsPerSecond, 1),
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

    private static async Task<WebApplication> StartHostAsync(
        Dictionary<string, string?> settings, Socket? listener, LocalAzurite azurite, CountingPolicy tableCalls, LogByteCounter logBytes)
    {
        var app = DevHostApplication.Build(new DevHostSettings
        {
            LocalSettingsPath = Path.Combine(Path.GetTempPath(), "no-local-settings-for-benchmarks.json"),
            Url = "http://127.0.0.1:0",
            ListenSocket = listener,
            Overrides = settings,
            RunTimers = false,
            ConfigureServices = services =>
            {
                var tableOptions = new TableClientOptions();
                tableOptions.AddPolicy(tableCalls, HttpPipelinePosition.PerCall);
                services.AddSingleton(new TableServiceClient(azurite.ConnectionString, tableOptions));
                services.AddSingleton<ILoggerProvider>(logBytes);
            },
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>Start as the user, consent (the sandbox approves at once), follow the callback, complete as the user.</summary>
    private static async Task ConnectAsync(string baseUrl, AuthressLocalServer authress)
    {
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        var userToken = authress.MintCallerToken(User, CallerTokenKind.User);
        using var start = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/api/users/{User}/connections") { Content = JsonContent.Create(new { provider = "sandbox" }) };
        start.Headers.Authorization = new("Bearer", userToken);
        using var started = await browser.SendAsync(start);
        var authorizationUrl = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!;
        using var consent = await browser.GetAsync(authorizationUrl);
        using var callback = await browser.GetAsync(consent.Headers.Location!);
        var page = await callback.Content.ReadAsStringAsync();
        var completion = CompletionCode().Match(page).Groups[1].Value;
        using var complete = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/api/users/{User}/connections/sandbox/complete") { Content = JsonContent.Create(new { completion }) };
        complete.Headers.Authorization = new("Bearer", userToken);
        (await browser.SendAsync(complete)).EnsureSuccessStatusCode();
    }

    private static async Task<LoadResult> LoadAsync(string url, string? bearer, TimeSpan duration, int concurrency) =>
        WrkAvailable() ? await WrkAsync(url, bearer, duration, concurrency) : await LoopAsync(url, bearer, duration, concurrency);

    private static bool WrkAvailable() => File.Exists("/usr/bin/wrk") || File.Exists("/usr/local/bin/wrk");

    private static async Task<LoadResult> WrkAsync(string url, string? bearer, TimeSpan duration, int concurrency)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-t1", $"-c{concurrency}", $"-d{(int)duration.TotalSeconds}s", "--latency" })
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
        return new LoadResult(
            double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
            long.Parse(TotalRequests().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
            Milliseconds(Percentile().Matches(output).First(p => p.Groups[1].Value == "50")),
            Milliseconds(Percentile().Matches(output).First(p => p.Groups[1].Value == "99")),
            non2xx);
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

    private static (string AccessKey, byte[] PublicKey) NewAccessKey(string clientId)
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var pkcs8 = key.Export(KeyBlobFormat.PkixPrivateKey);
        return ($"{clientId}.bench-key.bench-account.{Convert.ToBase64String(pkcs8)}", key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex TotalRequests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", RegexOptions.Multiline)]
    private static partial Regex Percentile();

    [GeneratedRegex("<code id=\"completion\">([A-Za-z0-9_-]+)</code>")]
    private static partial Regex CompletionCode();

    internal sealed record LoadResult(double RequestsPerSecond, long Requests, double P50Ms, double P99Ms, long NonSuccess);

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
