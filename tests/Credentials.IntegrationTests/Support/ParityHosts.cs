using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Credentials.DevHost;
using Credentials.Functions.Api;
using Credentials.Functions.Connections;
using Credentials.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Support;

/// <summary>
/// One local stack with the app served twice: by the dev host and, as deployed, by the real worker process under the
/// test Functions host. Both use the same Azurite, local Authress endpoint and sandbox provider, each with tables of its
/// own and its own public base URL, so that one request sequence leaves both in the same state.
/// </summary>
public sealed class ParityHosts : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = new();
    private ConnectStack? _stack;
    private RunningWorkerHost? _worker;

    internal ConnectStack Stack => _stack ?? throw new InvalidOperationException("Not started.");

    internal RunningWorkerHost Worker => _worker ?? throw new InvalidOperationException("Not started.");

    internal ParitySide DevHost { get; private set; } = null!;

    internal ParitySide RealWorker { get; private set; } = null!;

    internal IReadOnlyList<ParitySide> Sides => [DevHost, RealWorker];

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        var workerListener = LoopbackPorts.Listen();
        var workerBase = $"http://127.0.0.1:{LoopbackPorts.PortOf(workerListener)}";
        _stack = await ConnectStack.StartAsync(_azurite, configureSandbox: sandbox =>
            {
                sandbox.RedirectUris.Add(new Uri($"{workerBase}/api/oauth/callback/{ConnectStack.ProviderId}"));
                sandbox.RedirectUris.Add(new Uri($"{workerBase}/api/oauth/callback/other"));
            },
            // Tests edit the worker's rows from this process: both hosts read a connection every time, so that the edit is
            // what the next request sees (the default keeps a snapshot for up to 2 s per instance).
            settings: new Dictionary<string, string?> { ["Storage:ConnectionSnapshotLifetime"] = "00:00:00" });

        var suffix = "W" + Guid.NewGuid().ToString("N")[..9];
        // The dev host's settings exactly (its baseline, then the stack's), with the worker's own address and tables.
        var workerSettings = RunningDevHost.BaselineSettings();
        foreach (var (key, value) in _stack.Settings)
        {
            workerSettings[key] = value;
        }

        foreach (var (key, value) in new Dictionary<string, string?>
        {
            ["Service:PublicBaseUrl"] = workerBase,
            ["Storage:ConnectionsTable"] = "Conn" + suffix,
            ["Storage:OAuthStatesTable"] = "States" + suffix,
            ["Storage:AuditTable"] = "Audit" + suffix,
            ["Storage:MaintenanceTable"] = "Maint" + suffix,
            ["Storage:StatusEventsQueue"] = "events-" + suffix.ToLowerInvariant(),
            ["Storage:MaintenanceQueue"] = "maint-" + suffix.ToLowerInvariant(),
            // Once a year, as for every test host: the timer runs only when a test invokes it.
            ["Maintenance:Schedule"] = "0 0 0 1 1 *",
        })
        {
            workerSettings[key] = value;
        }

        _worker = await RunningWorkerHost.StartAsync(workerSettings, workerListener);

        // The worker's tables, read and edited through the app's own store classes (a dev host instance that serves no one).
        var workerStore = await _stack.StartAnotherInstanceAsync(workerSettings, runQueueTriggers: false);
        DevHost = new ParitySide("dev host", _stack.Host.Client, _stack.Host, _stack.StatesTable, _stack, RunDevHostTimerAsync);
        RealWorker = new ParitySide("worker", _worker.Client, workerStore, "States" + suffix, _stack,
            isPastDue => _worker.Host.InvokeTimerAsync("Maintenance", isPastDue));

        // What the request table reads: an active connection, and one whose grant is lost. A host that cannot connect is
        // reported by its own test; the table still runs, so that each request shows how the hosts differ.
        foreach (var side in Sides)
        {
            try
            {
                await side.ConnectAsync(User, "mail");
                await side.ConnectAsync(User, "lost");
                await side.EditAsync(User, "lost", record => record with { Status = ConnectionStatus.ReauthorizationRequired });
            }
#pragma warning disable CA1031 // Kept for the test that reports it.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _seedingFailures.Add($"{side}: {exception.Message}");
            }
        }
    }

    private readonly List<string> _seedingFailures = [];

    /// <summary>Why a host could not be given the table's connections (empty when both were).</summary>
    internal IReadOnlyList<string> SeedingFailures => _seedingFailures;

    public const string User = "u1";

    /// <summary>The dev host's own way of running a timer function (TimerFunctionScheduler): a scope, a TimerInfo, the function's method.</summary>
    private async Task RunDevHostTimerAsync(bool isPastDue)
    {
        var timer = FunctionCatalog.ForAssembly(typeof(MaintenanceFunction).Assembly).TimerFunctions.Single(t => t.Name == "Maintenance");
        await using var scope = Stack.Host.Services.CreateAsyncScope();
        var info = new TimerInfo { IsPastDue = isPastDue, ScheduleStatus = new ScheduleStatus { Last = DateTime.UtcNow, Next = DateTime.UtcNow.AddYears(1), LastUpdated = DateTime.UtcNow } };
        await FunctionInvoker.InvokeAsync(timer.Method, scope.ServiceProvider, [info, CancellationToken.None]);
    }

    public async Task DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }

        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        await _azurite.DisposeAsync();
    }
}

/// <summary>One of the two hosts in a parity run: its client, and the app's store classes on its tables.</summary>
internal sealed partial class ParitySide(string name, HttpClient client, RunningDevHost store, string statesTable, ConnectStack stack, Func<bool, Task> runMaintenance)
{
    public string Name { get; } = name;

    public HttpClient Client { get; } = client;

    public RunningDevHost Store { get; } = store;

    public string StatesTable { get; } = statesTable;

    public ConnectStack Stack { get; } = stack;

    /// <summary>Runs the maintenance timer function once, as this host runs it.</summary>
    public Task RunMaintenanceAsync(bool isPastDue = false) => runMaintenance(isPastDue);

    public async Task<ConnectionRecord?> RecordAsync(string userId, string connectionId) =>
        await Store.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(userId, connectionId), CancellationToken.None);

    public async Task EditAsync(string userId, string connectionId, Func<ConnectionRecord, ConnectionRecord> edit)
    {
        var record = await RecordAsync(userId, connectionId) ?? throw new InvalidOperationException($"{Name}: no connection {userId}/{connectionId}.");
        var written = await Store.Services.GetRequiredService<ConnectionStore>().ReplaceAsync(edit(record), CancellationToken.None);
        Assert.True(written.Succeeded, $"{Name}: the edit of {userId}/{connectionId} did not land");
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>
    /// Start (as the connecting service), consent at the sandbox, follow the callback, and complete as the user unless told
    /// not to; each step's answer is observed. Without a return URL the callback answers the "Almost connected" page.
    /// </summary>
    public async Task<ConnectWalk> ConnectAsync(string userId, string connectionId, bool complete = true, bool withReturnUrl = true)
    {
        var steps = new List<(string Step, ParityObservation Observed)>();
        object body = withReturnUrl
            ? new { provider = ConnectStack.ProviderId, connectionId, returnUrl = ConnectStack.ReturnBase + "done" }
            : new { provider = ConnectStack.ProviderId, connectionId };
        using var start = await SendAsync(HttpMethod.Post, $"api/users/{userId}/connections", Stack.CallerToken(), JsonContent.Create(body));
        steps.Add(("start", await ParityObservation.OfAsync(start)));
        Assert.True(start.StatusCode == HttpStatusCode.Created, $"{Name}: start answered {start.StatusCode}: {await start.Content.ReadAsStringAsync()}");
        var authorizationUrl = new Uri((await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!);

        using var consent = await Stack.Browser.GetAsync(authorizationUrl);
        steps.Add(("consent", await ParityObservation.OfAsync(consent)));
        Assert.Equal(HttpStatusCode.Found, consent.StatusCode);
        var callback = consent.Headers.Location!;

        using var answered = await Stack.Browser.GetAsync(callback);
        steps.Add(("callback", await ParityObservation.OfAsync(answered)));
        var completion = answered.Headers.Location is { } returned
            ? ConnectStack.FragmentOf(returned).GetValueOrDefault("completion")
            : CompletionOnPage().Match(await answered.Content.ReadAsStringAsync()).Groups["code"].Value;
        Assert.False(string.IsNullOrEmpty(completion), $"{Name}: the callback handed out no completion code");

        if (complete)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/users/{userId}/connections/{connectionId}/complete")
            {
                Content = JsonContent.Create(new { completion }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stack.UserToken(userId));
            if (ConnectStack.BindingCookieOf(answered) is { } binding)
            {
                request.Headers.Add("Cookie", binding);
            }

            using var completed = await Client.SendAsync(request);
            steps.Add(("complete", await ParityObservation.OfAsync(completed)));
            Assert.True(completed.StatusCode == HttpStatusCode.OK, $"{Name}: completion answered {completed.StatusCode}: {await completed.Content.ReadAsStringAsync()}");
        }

        var query = ConnectStack.QueryOf(callback);
        return new ConnectWalk(steps, query["code"], query["state"], completion);
    }

    public override string ToString() => Name;

    [GeneratedRegex("<code id=\"completion\">(?<code>[^<]+)</code>")]
    private static partial Regex CompletionOnPage();
}

/// <summary>One connect as a browser and the app's front end make it: each step's answer, and the secrets it passed along.</summary>
internal sealed record ConnectWalk(IReadOnlyList<(string Step, ParityObservation Observed)> Steps, string Code, string State, string Completion);
