using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using NSec.Cryptography;

namespace Credentials.AuthressLocal;

public enum CallerTokenKind
{
    /// <summary><c>iss = {origin}/v1/clients/{sub}</c>: an Authress service client.</summary>
    ServiceClient,

    /// <summary><c>iss = {origin}</c>: a signed-in user.</summary>
    User,
}

/// <summary>
/// An Authress-compatible endpoint for local runs and tests (never deployed): evaluates real grants for
/// <c>authorizeUser</c>, accepts only service clients it knows (verified EdDSA bearer tokens), serves JWKS under the
/// Authress paths, and mints caller tokens on <c>POST /local/tokens</c>.
/// </summary>
public sealed partial class AuthressLocalServer : IAsyncDisposable
{
    /// <summary>The <c>aud</c> of local user tokens: the app id an Authress application's sign-in would put there.</summary>
    public const string DefaultUserAudience = "app_credentials_local";

    /// <summary>The <c>aud</c> of local service-client tokens, as Authress sets it: <c>{accountId}.accounts.authress.io</c>.</summary>
    public const string ServiceClientAudience = "local.accounts.authress.io";

    private const string KeyId = "authress-local-1";
    private readonly WebApplication _app;
    private readonly Key _issuerKey;
    private readonly ConcurrentDictionary<string, PublicKey> _serviceClients;
    private readonly ConcurrentQueue<string> _authorizeTargets = new();

    private AuthressLocalServer(WebApplication app, Grants grants, IReadOnlyDictionary<string, PublicKey> serviceClients)
    {
        _app = app;
        Grants = grants;
        _serviceClients = new ConcurrentDictionary<string, PublicKey>(serviceClients, StringComparer.Ordinal);
        _issuerKey = Key.Create(SignatureAlgorithm.Ed25519);
    }

    public Uri BaseAddress { get; private set; } = null!;

    public Grants Grants { get; }

    /// <summary>When set, authorizeUser answers this status instead of evaluating (to test throttling and outages).</summary>
    public int? ForcedStatus { get; set; }

    /// <summary>The raw request targets of authorizeUser calls, exactly as they arrived.</summary>
    public IReadOnlyCollection<string> AuthorizeRequestTargets => _authorizeTargets;

    public static async Task<AuthressLocalServer> StartAsync(string url, Grants grants, IReadOnlyDictionary<string, PublicKey> serviceClients)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        var server = new AuthressLocalServer(app, grants, serviceClients);
        app.MapGet("/.well-known/openid-configuration/jwks", server.Jwks);
        app.MapGet("/v1/clients/{clientId}/.well-known/openid-configuration/jwks", server.Jwks);
        app.MapPost("/local/tokens", server.MintFromRequestAsync);
        app.MapGet("/v1/users/{**rest}", server.AuthorizeUser);
        server.MapAuthorizationAdministration(app);
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Urls.First());
        return server;
    }

    /// <summary>Registers a service client by its Ed25519 public key, as creating one in Authress would.</summary>
    public void AddServiceClient(string clientId, ReadOnlySpan<byte> publicKey) =>
        _serviceClients[clientId] = PublicKey.Import(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey);

    /// <param name="audience">The <c>aud</c>; by default <see cref="DefaultUserAudience"/> or <see cref="ServiceClientAudience"/>, as the kind has it.</param>
    public string MintCallerToken(string subject, CallerTokenKind kind, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null, string? audience = null)
    {
        var now = DateTimeOffset.UtcNow;
        var origin = BaseAddress.GetLeftPart(UriPartial.Authority);
        var claims = new Dictionary<string, object>
        {
            ["iss"] = kind == CallerTokenKind.ServiceClient ? $"{origin}/v1/clients/{Uri.EscapeDataString(subject)}" : origin,
            ["sub"] = subject,
            ["aud"] = audience ?? (kind == CallerTokenKind.ServiceClient ? ServiceClientAudience : DefaultUserAudience),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + (lifetime ?? TimeSpan.FromHours(1))).ToUnixTimeSeconds(),
            ["scope"] = "openid",
        };
        if (notBefore is { } nbf)
        {
            claims["nbf"] = nbf.ToUnixTimeSeconds();
        }

        return Ed25519Jwt.Sign(_issuerKey, KeyId, claims);
    }

    /// <summary>Signs arbitrary claims with the issuer key, for tests of tokens that are well signed but wrong in content.</summary>
    public string MintCustomToken(IReadOnlyDictionary<string, object> claims) => Ed25519Jwt.Sign(_issuerKey, KeyId, claims);

    public async Task WaitForShutdownAsync() => await _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _issuerKey.Dispose();
    }

    /// <summary>How many times signing keys were fetched, on any path.</summary>
    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    private int _jwksRequests;

    private IResult Jwks()
    {
        Interlocked.Increment(ref _jwksRequests);
        return JwksDocument();
    }

    private IResult JwksDocument() => Results.Json(new
    {
        keys = new[]
        {
            new { kty = "OKP", crv = "Ed25519", alg = "EdDSA", use = "sig", kid = KeyId, x = Ed25519Jwt.Base64Url(_issuerKey.PublicKey.Export(KeyBlobFormat.RawPublicKey)) },
        },
    });

    private async Task<IResult> MintFromRequestAsync(HttpRequest request)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
        if (!body.TryGetProperty("sub", out var sub) || string.IsNullOrWhiteSpace(sub.GetString()))
        {
            return Results.BadRequest(new { error = "sub is required" });
        }

        var kind = body.TryGetProperty("kind", out var k) && k.GetString() == "user" ? CallerTokenKind.User : CallerTokenKind.ServiceClient;
        var audience = body.TryGetProperty("aud", out var aud) && !string.IsNullOrWhiteSpace(aud.GetString()) ? aud.GetString() : null;
        return Results.Json(new { access_token = MintCallerToken(sub.GetString()!, kind, audience: audience), token_type = "Bearer" });
    }

    private IResult AuthorizeUser(HttpContext http)
    {
        // Parse the raw target so that the test sees exactly what the client sent: each parameter must be one segment.
        var rawTarget = http.Features.Get<IHttpRequestFeature>()!.RawTarget;
        _authorizeTargets.Enqueue(rawTarget);
        if (!IsAuthenticatedServiceClient(http.Request.Headers.Authorization.ToString()))
        {
            return Results.Json(new { errorCode = "Unauthorized" }, statusCode: 401);
        }

        if (ForcedStatus is { } forced)
        {
            return Results.StatusCode(forced);
        }

        var segments = rawTarget.Split('?')[0].Trim('/').Split('/');
        if (segments is not ["v1", "users", var user, "resources", var resource, "permissions", var permission])
        {
            return Results.Json(new { errorCode = "InvalidPath", rawTarget }, statusCode: 400);
        }

        return Grants.Allows(Uri.UnescapeDataString(user), Uri.UnescapeDataString(resource), Uri.UnescapeDataString(permission))
            ? Results.Ok()
            : Results.NotFound();
    }

    private bool IsAuthenticatedServiceClient(string authorization) => ServiceClientClaims(authorization) is not null;

    private JsonElement? ServiceClientClaims(string authorization)
    {
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }

        var claims = Ed25519Jwt.Verify(authorization["Bearer ".Length..], c =>
            c.TryGetProperty("sub", out var sub) && _serviceClients.TryGetValue(sub.GetString() ?? string.Empty, out var key) ? key : null,
            DateTimeOffset.UtcNow);
        return claims is { } verified
            && verified.TryGetProperty("iss", out var iss) && verified.TryGetProperty("sub", out var subject)
            && (iss.GetString() ?? string.Empty).EndsWith("/v1/clients/" + Uri.EscapeDataString(subject.GetString()!), StringComparison.Ordinal)
            ? verified
            : null;
    }
}
