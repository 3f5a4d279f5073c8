using System.Diagnostics;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Credentials.Functions.Connections;
using Credentials.Functions.Hosting.Composition;
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

    public static async Task RunAsync(int connections, int concurrency)
    {
        using var azurite = LocalAzurite.Start();
        await MeasureAsync(azurite.ConnectionString, connections, concurrency);
    }

    private static async Task MeasureAsync(string connectionString, int connections, int concurrency)
    {

        var sandboxOptions = new SandboxProviderOptions { AutoApproveAs = "bench-user" };
        sandboxOptions.RedirectUris.Add(new Uri("http://127.0.0.1:7071/api/oauth/callback/sandbox"));
        await using var sandbox = await SandboxProviderServer.StartAsync("http://127.0.0.1:0", sandboxOptions);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Service:PublicBaseUrl"] = "http://127.0.0.1:7071",
            ["Outbound:AllowPrivateNetworkTargets"] = "true",
            ["Storage:ConnectionString"] = connectionString,
            ["Encryption:KeySource"] = "Local",
            ["Encryption:LocalKeys:bench-0001"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Authentication:Issuers:0:Issuer"] = "http://127.0.0.1:9/",
            ["Authentication:Issuers:0:ServiceClientsOnly"] = "true",
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
        // The background parts a host would run (the audit writer among them).
        var hosted = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

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
        await provider.GetRequiredService<Credentials.Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

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

    internal static async Task SeedAsync(IServiceProvider provider, SandboxProviderServer sandbox, int connections)
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
    internal static string BenchAccessKey()
    {
        var pkcs8 = new byte[48];
        new byte[] { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 }.CopyTo(pkcs8, 0);
        System.Security.Cryptography.RandomNumberGenerator.Fill(pkcs8.AsSpan(16));
        return "sc_bench.key.account." + Convert.ToBase64String(pkcs8);
    }
}
