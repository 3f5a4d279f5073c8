using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Data.Tables;
using Credentials.AuthressLocal;
using Credentials.DevHost;
using Credentials.SandboxProvider;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Benchmarks;

/// <summary>
/// The real parts a token read needs, on this machine: Azurite, the sandbox provider, the local Authress endpoint
/// (granting <see cref="Reader"/> <c>credentials:read</c> on the whole collection), and one connected user. Hosts are
/// the dev host with the app's own composition.
/// </summary>
internal sealed partial class BenchStack : IAsyncDisposable
{
    public const string Reader = "sc_bench_reader";
    public const string Importer = "sc_bench_importer";
    public const string User = "bench-user";
    public const string ConnectionId = "sandbox";

    private readonly List<WebApplication> _hosts = [];

    private BenchStack(LocalAzurite azurite, SandboxProviderServer sandbox, AuthressLocalServer authress, Dictionary<string, string?> settings, Socket listener)
    {
        Azurite = azurite;
        Sandbox = sandbox;
        Authress = authress;
        Settings = settings;
        Listener = listener;
    }

    public LocalAzurite Azurite { get; }

    public SandboxProviderServer Sandbox { get; }

    public AuthressLocalServer Authress { get; }

    /// <summary>The settings every host gets (with per-host overrides on top).</summary>
    public Dictionary<string, string?> Settings { get; }

    /// <summary>The socket the first host listens on: its address is the public base URL registered at the provider.</summary>
    public Socket Listener { get; }

    public string PublicBase => $"http://127.0.0.1:{((System.Net.IPEndPoint)Listener.LocalEndPoint!).Port}";

    public const string TokenPath = $"/api/users/{User}/connections/{ConnectionId}/access-token";

    public static async Task<BenchStack> StartAsync(Action<SandboxProviderOptions>? configureSandbox = null)
    {
        var azurite = LocalAzurite.Start();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(1024);
        var publicBase = $"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndPoint!).Port}";

        var sandboxOptions = new SandboxProviderOptions { AutoApproveAs = "bench-person" };
        sandboxOptions.RedirectUris.Add(new Uri($"{publicBase}/api/oauth/callback/{ConnectionId}"));
        configureSandbox?.Invoke(sandboxOptions);
        var sandbox = await SandboxProviderServer.StartAsync("http://127.0.0.1:0", sandboxOptions);
        var grants = new Grants
        {
            // The proxy overhead run calls through the proxy as the same caller.
            Roles = { ["reader"] = ["credentials:read", "credentials:list", "credentials:proxy"], ["importer"] = ["credentials:import"] },
            AccessRecords =
            {
                new AccessRecord { Users = [Reader], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users"] },
                new AccessRecord { Users = [Importer], Roles = ["importer"], Resources = ["/user-credentials/refresh-tokens/users"] },
            },
        };
        var authress = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", grants);
        var accessKey = authress.CreateAccessKey("sc_credentials_service");

        var settings = new Dictionary<string, string?>
        {
            ["Service:PublicBaseUrl"] = publicBase,
            ["Outbound:AllowPrivateNetworkTargets"] = "true",
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            // The dev host runs the maintenance queue trigger, whose queue name is this setting (as the Functions host requires).
            ["Storage:MaintenanceQueue"] = "maintenance-work",
            ["Encryption:KeySource"] = "Local",
            ["Encryption:LocalKeys:bench-0001"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Authentication:Issuers:0:Issuer"] = authress.BaseAddress.ToString(),
            ["Authentication:Issuers:0:Kind"] = "Authress",
            ["Authentication:Issuers:0:Audiences:0"] = AuthressLocalServer.DefaultUserAudience,
            ["Authress:ApiBaseUrl"] = authress.BaseAddress.ToString(),
            ["Authress:AccessKey"] = accessKey,
            [$"Providers:{ConnectionId}:Preset"] = "oidc",
            [$"Providers:{ConnectionId}:Issuer"] = sandbox.Issuer.ToString(),
            [$"Providers:{ConnectionId}:ClientId"] = sandboxOptions.ClientId,
            [$"Providers:{ConnectionId}:ClientSecret"] = sandboxOptions.ClientSecret,
            ["Maintenance:Schedule"] = "0 0 0 1 1 *",
        };
        return new BenchStack(azurite, sandbox, authress, settings, listener);
    }

    public string ImporterToken() => Authress.MintCallerToken(Importer, CallerTokenKind.ServiceClient, TimeSpan.FromHours(2));

    public string ReaderToken() => Authress.MintCallerToken(Reader, CallerTokenKind.ServiceClient, TimeSpan.FromHours(2));

    /// <summary>A dev host with the app's composition; the first one started with <paramref name="listener"/> is the public one.</summary>
    public async Task<WebApplication> StartHostAsync(
        IDictionary<string, string?>? overrides = null, Socket? listener = null, Action<IServiceCollection>? configureServices = null,
        CountingPolicy? tableCalls = null)
    {
        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

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
                tableOptions.AddPolicy(tableCalls ?? new CountingPolicy(), HttpPipelinePosition.PerCall);
                services.AddSingleton(new TableServiceClient(settings["Storage:ConnectionString"], tableOptions));
                configureServices?.Invoke(services);
            },
        });
        await app.StartAsync();
        _hosts.Add(app);
        return app;
    }

    /// <summary>Start as the user, consent (the sandbox approves at once), follow the callback, complete as the user.</summary>
    public async Task ConnectAsync(string baseUrl)
    {
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        var userToken = Authress.MintCallerToken(User, CallerTokenKind.User);
        using var start = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/api/users/{User}/connections") { Content = JsonContent.Create(new { provider = ConnectionId, completion = "server" }) };
        start.Headers.Authorization = new("Bearer", userToken);
        using var started = await browser.SendAsync(start);
        var authorizationUrl = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!;
        using var consent = await browser.GetAsync(authorizationUrl);
        using var callback = await browser.GetAsync(consent.Headers.Location!);
        var page = await callback.Content.ReadAsStringAsync();
        var completion = CompletionCode().Match(page).Groups[1].Value;
        using var complete = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/api/users/{User}/connections/{ConnectionId}/complete")
        {
            Content = JsonContent.Create(new { completion }),
        };
        complete.Headers.Authorization = new("Bearer", userToken);
        (await browser.SendAsync(complete)).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await Authress.DisposeAsync();
        await Sandbox.DisposeAsync();
        // Not the listener: the host that adopted its descriptor closed it.
        Azurite.Dispose();
    }

    [GeneratedRegex("<code id=\"completion\">([A-Za-z0-9_-]+)</code>")]
    private static partial Regex CompletionCode();
}
