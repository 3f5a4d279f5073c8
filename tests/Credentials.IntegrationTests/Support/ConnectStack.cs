using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Credentials.AuthressLocal;
using Credentials.DevHost;
using Credentials.Functions.Connections;
using Credentials.HostQueueing;
using Credentials.SandboxProvider;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using NSec.Cryptography;

namespace Credentials.Tests.Support;

// Longer than 250 lines on purpose: starts and wires every local part the end-to-end tests need; each part is a few
// lines and they depend on each other's ports.

/// <summary>
/// The app as deployed, locally: the dev host on a known loopback port, Azurite tables unique to this stack, the local
/// Authress endpoint (caller tokens, real grants) and the sandbox OAuth provider registered with the app's redirect URI.
/// </summary>
internal sealed class ConnectStack : IAsyncDisposable
{
    public const string ProviderId = "sandbox";
    public const string Caller = "sc_connector";

    /// <summary>A service that may call providers' APIs through the proxy (<c>credentials:proxy</c>) and nothing else.</summary>
    public const string ProxyCaller = "sc_proxy";

    /// <summary>A service that may only read providers' APIs through the proxy (<c>credentials:proxy.read</c>).</summary>
    public const string ProxyReader = "sc_proxy_reader";
    public const string ReturnBase = "https://app.example.com/settings/";

    /// <summary>In a setting's value, stands for the sandbox provider's base address (ending in '/'), which is known only once it runs.</summary>
    public const string SandboxAddress = "{sandbox}/";

    /// <summary>A migration job that may import grants (<c>credentials:import</c>) and list connections, nothing else.</summary>
    public const string Importer = "sc_importer";

    private readonly Dictionary<string, string?> _settings;
    private readonly List<RunningDevHost> _extraHosts = [];

    private ConnectStack(AzuriteFixture azurite, AuthressLocalServer authress, SandboxProviderServer sandbox, RunningDevHost host, string suffix,
        Dictionary<string, string?> settings)
    {
        _settings = settings;
        Azurite = azurite;
        Authress = authress;
        Sandbox = sandbox;
        Host = host;
        ConnectionsTable = "Conn" + suffix;
        StatesTable = "States" + suffix;
        EventsQueue = "events-" + suffix;
        AuditTable = "Audit" + suffix;
    }

    public AzuriteFixture Azurite { get; }

    public AuthressLocalServer Authress { get; }

    public SandboxProviderServer Sandbox { get; }

    public RunningDevHost Host { get; }

    /// <summary>The settings the dev host runs with (tests start other hosts from them).</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    /// <summary>Another app instance: its own process state (caches, single-flight, lease id), the same tables.</summary>
    public async Task<RunningDevHost> StartAnotherInstanceAsync(IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null,
        bool runQueueTriggers = true)
    {
        var settings = new Dictionary<string, string?>(_settings);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = await RunningDevHost.StartAsync(settings, configureServices, queueTriggers: runQueueTriggers ? QueueTriggers : null);
        _extraHosts.Add(host);
        return host;
    }

    public string ConnectionsTable { get; }

    public string StatesTable { get; }

    public string AuditTable { get; }

    public string EventsQueue { get; }

    /// <summary>The maintenance work queue of this stack, which its hosts' queue triggers take items from.</summary>
    public string MaintenanceQueue => _settings["Storage:MaintenanceQueue"]!;

    /// <summary>host.json's retry rules (5 attempts), with a quick retry and polling so that tests need not wait.</summary>
    public static QueueTriggerSettings QueueTriggers { get; } = QueueTriggerSettings.FromHostJson(Path.Combine(AppContext.BaseDirectory, "host.json")) with
    {
        VisibilityTimeout = TimeSpan.FromMilliseconds(200),
        MaxPollingInterval = TimeSpan.FromSeconds(1),
        Lease = TimeSpan.FromSeconds(20),
    };

    /// <summary>The status events queued so far, oldest first, as JSON.</summary>
    public async Task<List<JsonElement>> StatusEventsAsync()
    {
        var queue = new QueueClient(Azurite.ConnectionString, EventsQueue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        var messages = await queue.PeekMessagesAsync(maxMessages: 32);
        return messages.Value.Select(message => JsonDocument.Parse(message.Body.ToString()).RootElement.Clone()).ToList();
    }

    public async Task ClearStatusEventsAsync()
    {
        var queue = new QueueClient(Azurite.ConnectionString, EventsQueue);
        await queue.CreateIfNotExistsAsync();
        await queue.ClearMessagesAsync();
    }

    /// <summary>A client that does not follow redirects, so tests see every hop of the browser's journey.</summary>
    public HttpClient Browser { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public static async Task<ConnectStack> StartAsync(
        AzuriteFixture azurite,
        Action<SandboxProviderOptions>? configureSandbox = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null)
    {
        // The app's public base URL is part of its settings and of the provider's redirect URIs, so its port must be
        // known before either starts: the host is handed a socket that is already listening.
        var listener = LoopbackPorts.Listen();
        var publicBase = $"http://127.0.0.1:{LoopbackPorts.PortOf(listener)}";
        var sandboxOptions = new SandboxProviderOptions { AutoApproveAs = "sandbox-user-1" };
        sandboxOptions.RedirectUris.Add(new Uri($"{publicBase}/api/oauth/callback/{ProviderId}"));
        sandboxOptions.RedirectUris.Add(new Uri($"{publicBase}/api/oauth/callback/other"));
        configureSandbox?.Invoke(sandboxOptions);
        var sandbox = await SandboxProviderServer.StartAsync("http://127.0.0.1:0", sandboxOptions);

        var grants = new Grants
        {
            Roles =
            {
                ["connector"] = ["credentials:create", "credentials:read", "credentials:list", "credentials:delete"],
                ["proxy"] = ["credentials:proxy"],
                ["proxy-reader"] = ["credentials:proxy.read"],
                ["importer"] = ["credentials:import", "credentials:list"],
            },
            AccessRecords =
            {
                new AccessRecord { Users = [Caller], Roles = ["connector"], Resources = ["/user-credentials/refresh-tokens/users/*"] },
                new AccessRecord { Users = [ProxyCaller], Roles = ["proxy"], Resources = ["/user-credentials/refresh-tokens/users/*"] },
                new AccessRecord { Users = [ProxyReader], Roles = ["proxy-reader"], Resources = ["/user-credentials/refresh-tokens/users/*"] },
                new AccessRecord { Users = [Importer], Roles = ["importer"], Resources = ["/user-credentials/refresh-tokens/users"] },
            },
        };
        var (accessKey, _) = TestAccessKeys.Create("sc_credentials_service");
        var authress = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", grants);
        authress.AddServiceClient(accessKey);

        var suffix = Guid.NewGuid().ToString("N")[..10];
        var merged = new Dictionary<string, string?>
        {
            ["Service:PublicBaseUrl"] = publicBase,
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            // The worker host's queue triggers reach their queues through this connection (the dev host uses the app's).
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Encryption:LocalKeys:test-0001"] = TestKeys.NewBase64Key(),
            ["Storage:ConnectionsTable"] = "Conn" + suffix,
            ["Storage:OAuthStatesTable"] = "States" + suffix,
            ["Storage:AuditTable"] = "Audit" + suffix,
            ["Storage:MaintenanceTable"] = "Maint" + suffix,
            ["Storage:StatusEventsQueue"] = "events-" + suffix,
            ["Storage:MaintenanceQueue"] = "maint-" + suffix,
            ["Authentication:Issuers:0:Issuer"] = authress.BaseAddress.ToString(),
            ["Authentication:Issuers:0:Kind"] = "Authress",
            ["Authress:ApiBaseUrl"] = authress.BaseAddress.ToString(),
            ["Authress:AccessKey"] = accessKey,
            ["Connect:AllowedReturnUrls:0"] = ReturnBase,
            [$"Providers:{ProviderId}:Preset"] = "oidc",
            [$"Providers:{ProviderId}:Issuer"] = sandbox.Issuer.ToString(),
            [$"Providers:{ProviderId}:ClientId"] = sandboxOptions.ClientId,
            [$"Providers:{ProviderId}:ClientSecret"] = sandboxOptions.ClientSecret,
            [$"Providers:{ProviderId}:Scopes:0"] = "offline_access",
            [$"Providers:{ProviderId}:AllowedScopes:0"] = "sandbox.read",
            [$"Providers:{ProviderId}:AllowedScopes:1"] = "sandbox.write",
            [$"Providers:{ProviderId}:AllowedScopes:2"] = "openid",
            [$"Providers:{ProviderId}:ScopeNarrowing"] = "Subset",
            [$"Providers:{ProviderId}:ApiBaseUrls:default"] = sandbox.BaseAddress.ToString(),
            ["Providers:other:Preset"] = "oidc",
            ["Providers:other:Issuer"] = sandbox.Issuer.ToString(),
            ["Providers:other:ClientId"] = sandboxOptions.ClientId,
            ["Providers:other:ClientSecret"] = sandboxOptions.ClientSecret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value?.Replace(SandboxAddress, sandbox.BaseAddress.ToString(), StringComparison.Ordinal);
        }

        var host = await RunningDevHost.StartAsync(merged, configureServices, listener: listener, queueTriggers: QueueTriggers);
        return new ConnectStack(azurite, authress, sandbox, host, suffix, merged);
    }

    public string CallerToken(string subject = Caller) => Authress.MintCallerToken(subject, CallerTokenKind.ServiceClient);

    /// <summary>A token for a person signed in as <paramref name="userId"/>, as the application's front end holds.</summary>
    public string UserToken(string userId) => Authress.MintCallerToken(userId, CallerTokenKind.User);

    /// <summary>
    /// An access-token read by the caller holding <paramref name="bearer"/> (by default the connector service client), on
    /// <paramref name="host"/> (by default the first instance).
    /// </summary>
    public async Task<HttpResponseMessage> ReadAccessTokenAsync(string userId, string connectionId, string? bearer = null, RunningDevHost? host = null,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{userId}/connections/{connectionId}/access-token");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? CallerToken());
        return await (host ?? Host).Client.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// The user finishes a pending connection with the code from the callback's redirect; <paramref name="cookie"/> is the
    /// consenting browser's binding cookie (<see cref="BindingCookieOf"/>) when the completion comes from that browser.
    /// </summary>
    public async Task<HttpResponseMessage> CompleteAsync(string userId, string connectionId, string? completion, string? token = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/users/{userId}/connections/{connectionId}/complete")
        {
            Content = JsonContent.Create(new { completion }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? UserToken(userId));
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await Host.Client.SendAsync(request);
    }

    /// <summary>The browser-binding cookie a callback set, as a <c>Cookie</c> header value (<c>name=value</c>); null when it set none.</summary>
    public static string? BindingCookieOf(HttpResponseMessage callback) =>
        callback.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.Select(c => c.Split(';')[0]).FirstOrDefault(c => c.StartsWith("__Host-credentials-binding=", StringComparison.Ordinal)
                || c.StartsWith("credentials-binding=", StringComparison.Ordinal))
            : null;

    public async Task<HttpResponseMessage> StartConnectionAsync(string userId, object body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/users/{userId}/connections") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? CallerToken());
        return await Host.Client.SendAsync(request);
    }

    public async Task<Uri> StartAndGetAuthorizationUrlAsync(string userId, object body)
    {
        using var response = await StartConnectionAsync(userId, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Uri(json.GetProperty("authorizationUrl").GetString()!);
    }

    /// <summary>The browser at the provider: the sandbox approves at once and redirects to the app's callback.</summary>
    public async Task<Uri> AuthorizeAtProviderAsync(Uri authorizationUrl)
    {
        using var response = await Browser.GetAsync(authorizationUrl);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!;
    }

    public async Task<HttpResponseMessage> FollowToCallbackAsync(Uri callback) => await Browser.GetAsync(callback);

    /// <summary>
    /// Start, approve at the provider, and follow the callback; a pending connection is then completed by its user, as
    /// the application's front end would. Returns the callback's response (a redirect to the return URL).
    /// </summary>
    /// <param name="scopes">Scopes to ask for beyond the provider's default ones; null: the defaults only.</param>
    public async Task<HttpResponseMessage> ConnectAsync(string userId, string? connectionId = null, string returnUrl = ReturnBase + "done", string[]? scopes = null)
    {
        var authorizationUrl = await StartAndGetAuthorizationUrlAsync(userId, scopes is null
            ? new { provider = ProviderId, connectionId, returnUrl }
            : new { provider = ProviderId, connectionId, returnUrl, scopes });
        var callback = await FollowToCallbackAsync(await AuthorizeAtProviderAsync(authorizationUrl));
        if (callback.Headers.Location is { } location && FragmentOf(location).GetValueOrDefault("status") == "pending")
        {
            var result = FragmentOf(location);
            using var completed = await CompleteAsync(userId, result["connectionId"], result["completion"], cookie: BindingCookieOf(callback));
            Assert.True(completed.StatusCode == HttpStatusCode.OK, await completed.Content.ReadAsStringAsync());
        }

        return callback;
    }

    /// <summary>Connects each connection of <paramref name="userId"/> end to end, completion included, and asserts it connected.</summary>
    public async Task ConnectAllAsync(string userId, params string[] connectionIds)
    {
        foreach (var connectionId in connectionIds)
        {
            using var response = await ConnectAsync(userId, connectionId);
            Assert.Equal("pending", FragmentOf(response.Headers.Location!)["status"]);
            Assert.NotNull(await Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(userId, connectionId), CancellationToken.None));
        }
    }

    public async Task<ConnectionRecord> RecordAsync(string userId, string connectionId) =>
        (await Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(userId, connectionId), CancellationToken.None))!;

    /// <summary>Rewrites a stored connection (e.g. to age its tokens), asserting the conditional write landed.</summary>
    public async Task EditAsync(string userId, string connectionId, Func<ConnectionRecord, ConnectionRecord> edit)
    {
        var written = await Host.Services.GetRequiredService<ConnectionStore>().ReplaceAsync(edit(await RecordAsync(userId, connectionId)), CancellationToken.None);
        Assert.True(written.Succeeded);
    }

    public TableClient Table(string name) => Azurite.CreateServiceClient().GetTableClient(name);

    public async Task<List<TableEntity>> RowsAsync(string table)
    {
        var rows = new List<TableEntity>();
        var client = Table(table);
        await client.CreateIfNotExistsAsync();
        await foreach (var row in client.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    public static Dictionary<string, string> QueryOf(Uri uri) =>
        QueryHelpers.ParseQuery(uri.Query).ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);

    /// <summary>The result the callback handed to the return URL in its fragment (the default response mode).</summary>
    public static Dictionary<string, string> FragmentOf(Uri uri) =>
        QueryHelpers.ParseQuery(uri.Fragment.TrimStart('#')).ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);

    public static Uri WithQuery(Uri uri, string name, string? value)
    {
        var query = QueryHelpers.ParseQuery(uri.Query).ToDictionary(pair => pair.Key, pair => (string?)pair.Value.ToString(), StringComparer.Ordinal);
        if (value is null)
        {
            query.Remove(name);
        }
        else
        {
            query[name] = value;
        }

        return new Uri(QueryHelpers.AddQueryString(uri.GetLeftPart(UriPartial.Path), query));
    }

    public async ValueTask DisposeAsync()
    {
        Browser.Dispose();
        foreach (var extra in _extraHosts)
        {
            await extra.DisposeAsync();
        }

        await Host.DisposeAsync();
        await Sandbox.DisposeAsync();
        await Authress.DisposeAsync();
    }
}
