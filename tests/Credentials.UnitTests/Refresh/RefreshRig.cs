using System.Net;
using System.Text;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Providers;
using Credentials.Functions.Refresh;
using Credentials.Functions.Storage;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.Refresh;

/// <summary>
/// <see cref="AccessTokenService"/> and <see cref="RefreshEngine"/> wired as the app wires them, over the in-memory
/// records (<see cref="InMemoryConnectionRecords"/>), a <see cref="FakeTimeProvider"/> and a provider token endpoint
/// answered in process: decisions only, no storage, socket or clock of the machine.
/// </summary>
internal sealed class RefreshRig : IDisposable
{
    /// <summary>The fake clock starts at the machine's time: the in-memory caches expire entries on the machine's clock.</summary>
    public static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    public static readonly ConnectionKey Key = ConnectionKeys.Of("u1", "mail");

    private readonly MasterKeyRing _ring;
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<IDisposable> _owned = [];
    private int _providerCalls;

    public RefreshRig(RefreshOptions? refresh = null)
    {
        var options = Options.Create(refresh ?? new RefreshOptions());
        _ring = TestKeys.LocalRing(TestKeys.LocalOptions("k-0001"));
        Secrets = new ConnectionSecrets(new CredentialCipher(_ring));
        var providerSettings = new ProvidersOptions();
        providerSettings.Providers["google"] = new ProviderSettings
        {
            Preset = "google",
            ClientId = "c",
            ClientSecret = "s",
            ScopeNarrowing = ScopeNarrowing.Subset,
        };
        var providers = new ProviderCatalog(Options.Create(providerSettings));
        var http = new StubHttpClientFactory(new StubHandler(AnswerAsync));
        var endpoints = new ProviderEndpointResolver(http, Time);
        var governor = Providers.UnsharedRateGovernor.Create(Time);
        var tokens = new ProviderTokenClient(http, governor, Time, NullLogger<ProviderTokenClient>.Instance);
        var meterFactory = _meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var metrics = Own(new ServiceMetrics(meterFactory));
        var auditOptions = Options.Create(new AuditOptions());
        // Queued audit: events go into the in-memory buffer; nothing here writes them to a table.
        var audit = new AuditLog(new StorageTables(new Azure.Data.Tables.TableServiceClient("UseDevelopmentStorage=true"), Options.Create(new StorageOptions())),
            new AuditBuffer(auditOptions, Time), auditOptions);
        var revoker = new GrantRevoker(providers, endpoints, tokens, NullLogger<GrantRevoker>.Instance);
        var outcomes = new RefreshOutcomeStore(Records, Secrets, audit, metrics, revoker, Time, NullLogger<RefreshOutcomeStore>.Instance);
        var narrowing = new NarrowedRefreshOutcomes(outcomes, Secrets, providers, Own(new NarrowedRefreshBackoff(options)), NullLogger<NarrowedRefreshOutcomes>.Instance);
        var failures = new FailedRefreshOutcomes(Records, outcomes, Own(new ProviderMisconfiguration(meterFactory, Time, NullLogger<ProviderMisconfiguration>.Instance)),
            options, NullLogger<FailedRefreshOutcomes>.Instance);
        Engine = new RefreshEngine(Records, Secrets, providers, new ProviderRefresher(providers, endpoints, tokens, governor, options, Time), outcomes, narrowing, failures,
            governor, options, Time, NullLogger<RefreshEngine>.Instance);
        Service = new AccessTokenService(Records, Secrets, Engine, Own(new AccessTokenCache(options, Time)), Own(new NarrowedTokenCache(options)), providers, audit,
            metrics, options, Time);
    }

    public FakeTimeProvider Time { get; } = new(T0);

    public InMemoryConnectionRecords Records { get; } = new();

    public ConnectionSecrets Secrets { get; }

    public RefreshEngine Engine { get; }

    public AccessTokenService Service { get; }

    /// <summary>How the provider's token endpoint answers a refresh (the form it was sent); by default a new access token, not rotated.</summary>
    public Func<string, (HttpStatusCode Status, string Body)> Provider { get; set; } =
        _ => (HttpStatusCode.OK, """{"access_token":"fresh-access","token_type":"Bearer","expires_in":3600}""");

    /// <summary>Token endpoint requests made so far.</summary>
    public int ProviderCalls => Volatile.Read(ref _providerCalls);

    /// <summary>Forms sent to the token endpoint, in order.</summary>
    public List<string> Forms { get; } = [];

    /// <summary>Stores a connection holding <paramref name="accessToken"/> valid for <paramref name="validFor"/>, edited by <paramref name="edit"/>.</summary>
    public async Task<ConnectionRecord> ConnectAsync(TimeSpan validFor, Func<ConnectionRecord, ConnectionRecord>? edit = null, string accessToken = "stored-access")
    {
        var now = Time.GetUtcNow();
        var bare = new ConnectionRecord
        {
            UserId = Key.UserId,
            ConnectionId = Key.ConnectionId,
            ProviderId = "google",
            Scopes = ["openid", "email"],
            CreatedAt = now,
            UpdatedAt = now,
            LastRefreshSucceededAt = now - TimeSpan.FromHours(1),
            RefreshTokenEnvelope = [0],
        };
        var record = await Secrets.WithTokensAsync(bare, "stored-refresh", accessToken, now + validFor, "Bearer", CancellationToken.None);
        return Records.Put(edit is null ? record : edit(record));
    }

    public Task<ConnectionRecord?> StoredAsync() => Records.GetAsync(Key, CancellationToken.None);

    public static AccessTokenRequest Request(TimeSpan? minValidity = null, bool renew = false, ScopeSet? scopes = null) =>
        new(Key, minValidity ?? TimeSpan.FromMinutes(5), "caller", "correlation", Renew: renew, Scopes: scopes);

    public static RefreshDemand Demand(TimeSpan? minValidity = null) => new(Key, minValidity ?? TimeSpan.FromMinutes(5), null, "caller", "correlation");

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _ring.Dispose();
        _meters.Dispose();
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private async Task<HttpResponseMessage> AnswerAsync(HttpRequestMessage request)
    {
        var form = request.Content is null ? "" : await request.Content.ReadAsStringAsync();
        lock (Forms)
        {
            Forms.Add(form);
        }

        Interlocked.Increment(ref _providerCalls);
        var (status, body) = Provider(form);
        return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }

    private sealed class StubHandler(Func<HttpRequestMessage, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => respond(request);
    }

    private sealed class StubHttpClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
