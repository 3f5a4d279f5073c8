using System.Net.Sockets;
using System.Reflection;
using Credentials.AuthressLocal;
using Credentials.DevHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Support;

/// <summary>The dev host serving the app on Kestrel at a loopback port the OS picked, with an HttpClient pointed at it.</summary>
internal sealed class RunningDevHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningDevHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The settings every test host starts from; tests override or remove (null) what they exercise.</summary>
    public static Dictionary<string, string?> BaselineSettings() => new()
    {
        ["Service:PublicBaseUrl"] = "http://127.0.0.1:7071",
        // The sandbox provider and the test APIs listen on 127.0.0.1 (a deployment never reaches loopback or private addresses).
        ["Outbound:AllowPrivateNetworkTargets"] = "true",
        ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
        ["Encryption:KeySource"] = "Local",
        ["Encryption:LocalKeys:test-0001"] = TestKeys.NewBase64Key(),
        ["Authentication:Issuers:0:Issuer"] = "http://127.0.0.1:9/",
        ["Authentication:Issuers:0:Audiences:0"] = AuthressLocalServer.DefaultUserAudience,
        ["Authress:ApiBaseUrl"] = "http://127.0.0.1:9/",
        ["Authress:AccessKey"] = TestAccessKeys.Create("sc_baseline").AccessKey,
        // Once a year: hosts that run timers never start a maintenance walk during a test by themselves.
        ["Maintenance:Schedule"] = "0 0 0 1 1 *",
    };

    public static async Task<RunningDevHost> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        IReadOnlyList<Assembly>? additionalFunctionAssemblies = null,
        bool runTimers = false,
        Socket? listener = null,
        QueueTriggerSettings? queueTriggers = null)
    {
        var merged = BaselineSettings();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        var baseAddress = listener is null ? null : new Uri($"http://127.0.0.1:{LoopbackPorts.PortOf(listener)}");
        var app = DevHostApplication.Build(new DevHostSettings
        {
            LocalSettingsPath = Path.Combine(Path.GetTempPath(), "no-local-settings-for-tests.json"),
            Url = "http://127.0.0.1:0",
            ListenSocket = listener,
            Overrides = merged,
            ConfigureServices = configureServices,
            AdditionalFunctionAssemblies = additionalFunctionAssemblies ?? [],
            RunTimers = runTimers,
            // Queue triggers run only where a test asks (ConnectStack does, on queues of its own).
            RunQueueTriggers = queueTriggers is not null,
            QueueTriggers = queueTriggers,
        });
        await app.StartAsync();
        return new RunningDevHost(app, baseAddress ?? new Uri(app.Urls.Single()));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
