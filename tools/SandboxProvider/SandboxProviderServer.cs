using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Credentials.SandboxProvider;

// Longer than 250 lines on purpose: the sandbox provider's whole server setup (OpenIddict, endpoints, fault switches,
// counters) in one place for a development tool.

/// <summary>
/// A real OAuth 2.0 authorization server (OpenIddict) on loopback for local runs and tests, never deployed: authorization
/// code with PKCE, rotating refresh tokens with reuse detection (both switchable), narrower access tokens on a refresh
/// with <c>scope</c> (RFC 6749 §6), RFC 7009 revocation, RFC 7662 introspection, RFC 9207 <c>iss</c>, and an API
/// (<c>GET /api/me</c>) that accepts only its valid tokens.
/// It counts what clients do at its token and revocation endpoints and can be told to fail, so tests observe the provider side.
/// </summary>
public sealed partial class SandboxProviderServer : IAsyncDisposable
{
    // One RSA key per process: generating one per server costs seconds on a small machine, and tests start many servers.
    private static readonly Lazy<RSA> SigningKey = new(() => RSA.Create(2048));
    private readonly WebApplication _app;
    private int _codeGrants;
    private int _refreshGrants;
    private int _failedRefreshGrants;
    private int _revocations;
    private readonly TokenRateLimit _rateLimit = new();
    private readonly ConcurrentQueue<string?> _refreshScopeParameters = new();

    private readonly SqliteConnection _database;

    private SandboxProviderServer(WebApplication app, SandboxProviderOptions options, SqliteConnection database)
    {
        _app = app;
        _database = database;
        Options = options;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The issuer identifier, as it appears in discovery and in the <c>iss</c> authorization response parameter.</summary>
    public Uri Issuer => BaseAddress;

    public SandboxProviderOptions Options { get; }

    public int CodeGrants => Volatile.Read(ref _codeGrants);

    public int RefreshGrants => Volatile.Read(ref _refreshGrants);

    /// <summary>Refresh grants the server refused (e.g. <c>invalid_grant</c> for a redeemed or revoked refresh token).</summary>
    public int FailedRefreshGrants => Volatile.Read(ref _failedRefreshGrants);

    public int Revocations => Volatile.Read(ref _revocations);

    /// <summary>The <c>scope</c> parameter of each refresh grant, in order (null when the client sent none).</summary>
    public IReadOnlyCollection<string?> RefreshScopeParameters => _refreshScopeParameters;

    /// <summary>When set, the token endpoint answers this status (outage, throttling) instead of issuing tokens.</summary>
    public int? ForcedTokenStatus { get; set; }

    /// <summary>Sent as Retry-After with <see cref="ForcedTokenStatus"/>.</summary>
    public TimeSpan? ForcedRetryAfter { get; set; }

    /// <summary>When set, the token endpoint answers 200 with exactly this body (a misbehaving provider) instead of tokens.</summary>
    public string? ForcedTokenBody { get; set; }

    /// <summary>
    /// The token endpoint's rate limit for the client app (null: none), as real providers enforce one: every answer
    /// carries <c>RateLimit-Limit</c>, <c>-Remaining</c> and <c>-Reset</c>; a request over the limit gets 429 with
    /// <c>Retry-After</c> and is counted in <see cref="TokenRequestsRateLimited"/>.
    /// </summary>
    public TokenRateLimit RateLimit => _rateLimit;

    /// <summary>Token requests refused with 429 because they were over <see cref="RateLimit"/>.</summary>
    public int TokenRequestsRateLimited => _rateLimit.Refused;

    /// <summary>Added before each token response, to widen race windows in concurrency tests.</summary>
    public TimeSpan TokenDelay { get; set; }

    public static async Task<SandboxProviderServer> StartAsync(string url, SandboxProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.WebHost.UseUrls(url);
        builder.Services.AddSingleton(options);
        // An in-memory SQLite database (indexed, unlike EF's InMemory provider, so token lookups stay fast with many
        // grants); it lives as long as this keeper connection stays open. Each DbContext opens its own connection to it.
        var connectionString = $"Data Source=sandbox-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        var database = new SqliteConnection(connectionString);
        database.Open();
        builder.Services.AddDbContext<SandboxDbContext>(db =>
        {
            db.UseSqlite(connectionString);
            db.UseOpenIddict();
        });
        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<SandboxDbContext>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetIntrospectionEndpointUris("connect/introspect");
                server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().RequireProofKeyForCodeExchange();
                server.RegisterScopes([.. options.Scopes]);
                server.AddEncryptionKey(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)))
                    .AddSigningKey(new RsaSecurityKey(SigningKey.Value))
                    .DisableAccessTokenEncryption();
                server.UseReferenceRefreshTokens();
                server.SetAccessTokenLifetime(options.AccessTokenLifetime);
                if (options.RotateRefreshTokens)
                {
                    server.SetRefreshTokenReuseLeeway(options.DetectRefreshTokenReuse ? options.RefreshTokenReuseGrace ?? TimeSpan.Zero : TimeSpan.FromDays(3650));
                }
                else
                {
                    server.DisableRollingRefreshTokens();
                }

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            })
            .AddValidation(validation =>
            {
                // The sandbox's API checks its tokens against the server in this process (signature, lifetime, audience,
                // and revocation through the token store).
                validation.UseLocalServer();
                validation.AddAudiences(options.ApiClientId);
                validation.EnableTokenEntryValidation();
                validation.UseAspNetCore();
            });
        builder.Services.AddAuthorization();

        var app = builder.Build();
        var sandbox = new SandboxProviderServer(app, options, database);
        app.Use(sandbox.ObserveAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizationEndpoint.HandleAsync);
        app.MapPost("/connect/token", (Delegate)TokenEndpoint.HandleAsync);
        SandboxApi.Map(app);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SandboxDbContext>().Database.EnsureCreatedAsync();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await RegisterClientAsync(applications, options);
            await applications.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = options.ApiClientId,
                ClientSecret = options.ApiClientSecret,
                ClientType = ClientTypes.Confidential,
                DisplayName = "Sandbox API",
                Permissions = { Permissions.Endpoints.Introspection },
            });
        }

        await app.StartAsync();
        sandbox.BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return sandbox;
    }

    /// <summary>Revokes every token issued for <paramref name="subject"/>, as a user removing the app's access at the provider.</summary>
    public async Task RevokeGrantsOfAsync(string subject)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var issued = new List<object>();
        await foreach (var token in tokens.FindBySubjectAsync(subject))
        {
            issued.Add(token);
        }

        foreach (var token in issued)
        {
            await tokens.TryRevokeAsync(token);
        }
    }

    /// <summary>Revokes only the access tokens issued for <paramref name="subject"/>: its API then refuses them while the grant lives on.</summary>
    public async Task RevokeAccessTokensOfAsync(string subject)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var accessTokens = new List<object>();
        await foreach (var token in tokens.FindBySubjectAsync(subject))
        {
            if (await tokens.GetTypeAsync(token) is TokenTypeHints.AccessToken or TokenTypeIdentifiers.AccessToken)
            {
                accessTokens.Add(token);
            }
        }

        foreach (var token in accessTokens)
        {
            await tokens.TryRevokeAsync(token);
        }
    }

    /// <summary>Presents <paramref name="refreshToken"/> at the token endpoint as the registered client would; true when it is accepted.</summary>
    public async Task<bool> IsRefreshTokenUsableAsync(string refreshToken)
    {
        using var client = new HttpClient();
        using var response = await client.PostAsync(new Uri(BaseAddress, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.RefreshToken,
            ["refresh_token"] = refreshToken,
            ["client_id"] = Options.ClientId,
            ["client_secret"] = Options.ClientSecret,
        }));
        return response.IsSuccessStatusCode;
    }

    /// <summary>RFC 7662 introspection of <paramref name="token"/> as the sandbox's API (the token's audience): the active flag and the scope it carries.</summary>
    public async Task<(bool Active, string? Scope)> IntrospectAsync(string token)
    {
        using var client = new HttpClient();
        using var response = await client.PostAsync(new Uri(BaseAddress, "connect/introspect"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["client_id"] = Options.ApiClientId,
            ["client_secret"] = Options.ApiClientSecret,
        }));
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        return (root.GetProperty("active").GetBoolean(), root.TryGetProperty("scope", out var scopes) ? scopes.GetString() : null);
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static async Task RegisterClientAsync(IOpenIddictApplicationManager applications, SandboxProviderOptions options)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = options.ClientId,
            ClientSecret = options.ClientSecret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "Credentials service",
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var scope in options.Scopes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        foreach (var redirectUri in options.RedirectUris)
        {
            descriptor.RedirectUris.Add(redirectUri);
        }

        await applications.CreateAsync(descriptor);
    }

    private async Task ObserveAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await next(context);
            return;
        }

        if (path.Equals("/connect/revoke", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _revocations);
            await next(context);
            return;
        }

        if (!path.Equals("/connect/token", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        if (!_rateLimit.Admit(context.Response))
        {
            return;
        }

        var form = await context.Request.ReadFormAsync();
        var isRefresh = form[Parameters.GrantType] == GrantTypes.RefreshToken;
        Interlocked.Increment(ref isRefresh ? ref _refreshGrants : ref _codeGrants);
        if (isRefresh)
        {
            _refreshScopeParameters.Enqueue(form.TryGetValue(Parameters.Scope, out var scope) ? scope.ToString() : null);
            await CountReuseAsync(context, form[Parameters.RefreshToken].ToString());
        }

        if (TokenDelay > TimeSpan.Zero)
        {
            await Task.Delay(TokenDelay);
        }

        if (ForcedTokenBody is { } forcedBody)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(forcedBody);
            return;
        }

        if (ForcedTokenStatus is { } status)
        {
            context.Response.StatusCode = status;
            if (ForcedRetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            }

            await context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["error"] = "temporarily_unavailable" });
            return;
        }

        await next(context);
        if (isRefresh && context.Response.StatusCode >= 400)
        {
            Interlocked.Increment(ref _failedRefreshGrants);
        }
    }
}
