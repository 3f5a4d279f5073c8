using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Credentials.Functions;
using Credentials.Functions.AccessControl;
using Credentials.Functions.Api;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Hosting.Pipeline;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Benchmarks;

/// <summary>
/// The cached token read without HTTP: the function class called in-process, on a host with the app's composition
/// whose caches were warmed by one real read (Azurite, the sandbox provider and the local Authress endpoint stay up for
/// the cold path, but a cached read reaches none of them). Audit events are appended to the real bounded queue; only
/// the queue's writer is replaced by one that discards, so the figure is the handler's CPU, not Azurite's insert rate.
/// The other benchmarks split the read into its steps.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessMediumRun))]
public class CachedHandlerBenchmarks
{
    private BenchStack _stack = null!;
    private WebApplication _host = null!;
    private AccessTokenFunction _function = null!;
    private CallerAdmission _admission = null!;
    private readonly System.Reflection.MethodInfo _getMethod = typeof(AccessTokenFunction).GetMethod(nameof(AccessTokenFunction.Get))!;
    private CallerAuthenticator _authenticator = null!;
    private CredentialAuthorizer _authorizer = null!;
    private AccessTokenService _tokens = null!;
    private Caller _caller = null!;
    private string _authorization = null!;
    private AuditBuffer _audit = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _stack = await BenchStack.StartAsync();
        _host = await _stack.StartHostAsync(listener: _stack.Listener, configureServices: services =>
        {
            DiscardingAuditDrain.ReplaceAuditWriter(services);
        });
        await _stack.ConnectAsync(_stack.PublicBase);
        _authorization = "Bearer " + _stack.ReaderToken();
        using (var warm = new HttpClient())
        {
            warm.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", _authorization);
            (await warm.GetAsync(_stack.PublicBase + BenchStack.TokenPath)).EnsureSuccessStatusCode();
        }

        _function = ActivatorUtilities.CreateInstance<AccessTokenFunction>(_host.Services);
        _admission = _host.Services.GetRequiredService<CallerAdmission>();
        _authenticator = _host.Services.GetRequiredService<CallerAuthenticator>();
        _authorizer = _host.Services.GetRequiredService<CredentialAuthorizer>();
        _tokens = _host.Services.GetRequiredService<AccessTokenService>();
        _audit = _host.Services.GetRequiredService<AuditBuffer>();
        _caller = (await _authenticator.AuthenticateAsync(_authorization, CancellationToken.None)).Value!;
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _stack.DisposeAsync();

    [Benchmark(Baseline = true, Description = "health handler")]
    public IActionResult Health() => HealthFunction.Run(NewContext().Request);

    /// <summary>The admission step (as the pipeline runs it before the function) and the function.</summary>
    [Benchmark(Description = "cached token read handler")]
    public async Task<IActionResult?> CachedTokenRead()
    {
        var http = NewContext();
        if (!await _admission.AdmitAsync(http, _getMethod, RouteValue))
        {
            return null;
        }

        var result = await _function.Get(http.Request, BenchStack.User, BenchStack.ConnectionId);
        DrainAudit();
        return result;
    }

    private static ConnectionKey Key => ConnectionKey.TryCreate(BenchStack.User, BenchStack.ConnectionId, out var key) ? key : throw new InvalidOperationException();

    private static string? RouteValue(string name) => name switch
    {
        "userId" => BenchStack.User,
        "connectionId" => BenchStack.ConnectionId,
        _ => null,
    };

    [Benchmark(Description = "step: authenticate (validated-token cache)")]
    public Task<Result<Caller, AuthenticationFailure>> Authenticate() => _authenticator.AuthenticateAsync(_authorization, CancellationToken.None);

    [Benchmark(Description = "step: authorize (decision cache)")]
    public Task<AuthorizationOutcome> Authorize() => _authorizer.AuthorizeAsync(
        _caller, new CredentialAccess(CredentialPermissions.Read, BenchStack.User, BenchStack.ConnectionId), "bench", CancellationToken.None);

    [Benchmark(Description = "step: serve token (snapshot, memory cache, audit append)")]
    public async Task<bool> ServeToken()
    {
        var served = (await _tokens.GetAsync(
            new AccessTokenRequest(Key, TimeSpan.FromMinutes(5), _caller.Id, "bench", "collection_granted_cached"),
            CancellationToken.None)).Succeeded;
        DrainAudit();
        return served;
    }

    [Benchmark(Description = "step: correlation id")]
    public string Correlation() => CorrelationId.Establish(NewContext());

    /// <summary>
    /// Takes the audit event just appended off the queue, as the writer would: the benchmark thread runs at a priority
    /// the background drain cannot keep up with, and a full queue would refuse the reads.
    /// </summary>
    private void DrainAudit()
    {
        var count = 0;
        while (_audit.Reader.TryRead(out _))
        {
            count++;
        }

        _audit.Settled(count);
    }

    private DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext { RequestServices = _host.Services };
        context.Request.Method = "GET";
        context.Request.Headers.Authorization = _authorization;
        return context;
    }

    private sealed class InProcessMediumRun : ManualConfig
    {
        public InProcessMediumRun() => AddJob(Job.MediumRun.WithLaunchCount(1).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: false)));
    }
}
