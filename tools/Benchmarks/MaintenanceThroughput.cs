using System.Diagnostics;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Credentials.Functions.Composition;
using Credentials.Functions.Connections;
using Credentials.Functions.Maintenance;
using Credentials.SandboxProvider;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Credentials.Benchmarks;

/// <summary>
/// Not a BenchmarkDotNet benchmark: an end-to-end measurement of the maintenance walk over many connections with real
/// parts (Azurite, the sandbox OAuth provider). Every connection holds a real grant and is due for keep-alive, so each
/// one is refreshed at the provider. Reports connections validated per minute and storage requests per connection.
/// </summary>
internal static class MaintenanceThroughput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static async Task RunAsync(int connections, int concurrency)
    {
        var root = RepositoryRoot();
        using var table = StartNode(root, "azurite-table", "--tablePort");
        using var queue = StartNode(root, "azurite-queue", "--queuePort");
        try
        {
            await MeasureAsync(ListeningPort(table), ListeningPort(queue), connections, concurrency);
        }
        finally
        {
            table.Kill(entireProcessTree: true);
            queue.Kill(entireProcessTree: true);
        }
    }

    private static async Task MeasureAsync(int tablePort, int queuePort, int connections, int concurrency)
    {
        var connectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteKey};" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;";

        var sandboxOptions = new SandboxProviderOptions { AutoApproveAs = "bench-user" };
        sandboxOptions.RedirectUris.Add(new Uri("http://127.0.0.1:7071/api/oauth/callback/sandbox"));
        await using var sandbox = await SandboxProviderServer.StartAsync("http://127.0.0.1:0", sandboxOptions);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Service:PublicBaseUrl"] = "http://127.0.0.1:7071",
            ["Storage:ConnectionString"] = connectionString,
            ["Encryption:KeySource"] = "Local",
            ["Encryption:LocalKeys:bench-0001"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Authentication:Issuers:0:Issuer"] = "http://127.0.0.1:9/",
            ["Authress:ApiBaseUrl"] = "http://127.0.0.1:9/",
            ["Authress:AccessKey"] = BenchAccessKey(),
            ["Providers:sandbox:Preset"] = "oidc",
            ["Providers:sandbox:Issuer"] = sandbox.Issuer.ToString(),
            ["Providers:sandbox:ClientId"] = sandboxOptions.ClientId,
            ["Providers:sandbox:ClientSecret"] = sandboxOptions.ClientSecret,
            ["Maintenance:Concurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Maintenance:TimeBudget"] = "00:04:00",
        }).Build();
        var counter = new CountingPolicy();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddCredentialsService(configuration);
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
        services.AddSingleton(new TableServiceClient(connectionString, tableOptions));
        await using var provider = services.BuildServiceProvider();

        Console.WriteLine($"Seeding {connections} connections with real sandbox grants…");
        var seeding = Stopwatch.StartNew();
        await SeedAsync(provider, sandbox, connections);
        Console.WriteLine($"Seeded in {seeding.Elapsed.TotalSeconds:F0} s");

        counter.Reset();
        var grantsBefore = sandbox.RefreshGrants;
        var runner = provider.GetRequiredService<MaintenanceRunner>();
        var walk = Stopwatch.StartNew();
        int runs = 0, scanned = 0, refreshed = 0, failed = 0;
        MaintenanceReport report;
        do
        {
            report = await runner.RunAsync(CancellationToken.None);
            runs++;
            scanned += report.Scanned;
            refreshed += report.Refreshed;
            failed += report.Failed;
        }
        while (!report.LapCompleted);

        walk.Stop();
        var perMinute = refreshed / walk.Elapsed.TotalMinutes;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            connections,
            concurrency,
            runs,
            scanned,
            refreshed,
            failed,
            providerRefreshes = sandbox.RefreshGrants - grantsBefore,
            providerFailures = sandbox.FailedRefreshGrants,
            seconds = Math.Round(walk.Elapsed.TotalSeconds, 1),
            validatedPerMinute = Math.Round(perMinute),
            tableRequests = counter.Count,
            tableRequestsPerConnection = Math.Round((double)counter.Count / scanned, 2),
            byMethod = counter.ByMethod(),
        }, Indented));
    }

    private static async Task SeedAsync(IServiceProvider provider, SandboxProviderServer sandbox, int connections)
    {
        var store = provider.GetRequiredService<ConnectionStore>();
        var secrets = provider.GetRequiredService<ConnectionSecrets>();
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        var stale = DateTimeOffset.UtcNow.AddDays(-2);
        await Parallel.ForEachAsync(Enumerable.Range(0, connections), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancellationToken) =>
        {
            var verifier = Base64Url(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            var challenge = Base64Url(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
            var authorize = QueryHelpers.AddQueryString(new Uri(sandbox.BaseAddress, "connect/authorize").AbsoluteUri, new Dictionary<string, string?>
            {
                ["response_type"] = "code",
                ["client_id"] = sandbox.Options.ClientId,
                ["redirect_uri"] = sandbox.Options.RedirectUris[0].AbsoluteUri,
                ["scope"] = "offline_access",
                ["state"] = "s",
                ["code_challenge"] = challenge,
                ["code_challenge_method"] = "S256",
            });
            using var approved = await browser.GetAsync(authorize, cancellationToken);
            var code = QueryHelpers.ParseQuery(approved.Headers.Location!.Query)["code"].ToString();
            using var tokenResponse = await browser.PostAsync(new Uri(sandbox.BaseAddress, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = sandbox.Options.RedirectUris[0].AbsoluteUri,
                ["code_verifier"] = verifier,
                ["client_id"] = sandbox.Options.ClientId,
                ["client_secret"] = sandbox.Options.ClientSecret,
            }), cancellationToken);
            var tokens = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(cancellationToken)).RootElement;
            var record = new ConnectionRecord
            {
                UserId = $"user-{i % 1000:D4}",
                ConnectionId = $"sandbox-{i:D5}",
                ProviderId = "sandbox",
                Scopes = ["offline_access"],
                CreatedAt = stale,
                UpdatedAt = stale,
                LastRefreshSucceededAt = stale,
                RefreshTokenEnvelope = [],
            };
            record = await secrets.WithTokensAsync(record, tokens.GetProperty("refresh_token").GetString()!, tokens.GetProperty("access_token").GetString(),
                DateTimeOffset.UtcNow.AddHours(1), "Bearer", cancellationToken);
            var written = await store.AddAsync(record, cancellationToken);
            if (!written.Succeeded)
            {
                throw new InvalidOperationException($"Seeding {record.ConnectionId} failed: {written.Status}");
            }
        });
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A syntactically valid Authress access key; the benchmark never calls Authress.</summary>
    private static string BenchAccessKey()
    {
        var pkcs8 = new byte[48];
        new byte[] { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 }.CopyTo(pkcs8, 0);
        System.Security.Cryptography.RandomNumberGenerator.Fill(pkcs8.AsSpan(16));
        return "sc_bench.key.account." + Convert.ToBase64String(pkcs8);
    }

    /// <summary>Starts an Azurite service on port 0; tools/scripts/report-listening-port.cjs makes it print the port it bound.</summary>
    private static Process StartNode(string root, string tool, string portOption)
    {
        var start = new ProcessStartInfo(Path.Combine(root, "node_modules", ".bin", tool))
        {
            ArgumentList = { portOption, "0", "--inMemoryPersistence", "--silent", "--disableTelemetry", "--skipApiVersionCheck" },
            Environment = { ["NODE_OPTIONS"] = "--require " + Path.Combine(root, "tools", "scripts", "report-listening-port.cjs") },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        return Process.Start(start)!;
    }

    private static int ListeningPort(Process azurite)
    {
        const string Prefix = "listening-port ";
        while (azurite.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                _ = azurite.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                return int.Parse(line.AsSpan(Prefix.Length), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("Azurite exited before it listened.");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CredentialsFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the repository.");
    }

    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _byMethod = new();
        private int _count;

        public int Count => _count;

        public Dictionary<string, int> ByMethod() => new(_byMethod);

        public void Reset()
        {
            _count = 0;
            _byMethod.Clear();
        }

        public override void OnSendingRequest(HttpMessage message)
        {
            Interlocked.Increment(ref _count);
            _byMethod.AddOrUpdate(message.Request.Method.ToString(), 1, (_, n) => n + 1);
        }
    }
}
