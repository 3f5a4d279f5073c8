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
public sealed class AuthressLocalServer : IAsyncDisposable
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

    /// <summary>Roles and access records written through the API, by id, as stored (GET returns what was written).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Text.Json.Nodes.JsonObject> _roles = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Text.Json.Nodes.JsonObject> _records = new(StringComparer.Ordinal);

    /// <summary>How many role and record writes (POST, PUT) were made through the API.</summary>
    public int AdministrationWrites => Volatile.Read(ref _administrationWrites);

    private int _administrationWrites;

    /// <summary>
    /// Authress's roles and access-records routes (the subset authorization-as-code uses): GET, POST and PUT by id, for
    /// authenticated service clients. A written role or record takes effect in the grants at once.
    /// </summary>
    private void MapAuthorizationAdministration(WebApplication app)
    {
        app.MapGet("/v1/roles/{roleId}", (HttpContext http, string roleId) => Read(http, _roles, roleId));
        app.MapGet("/v1/records/{recordId}", (HttpContext http, string recordId) => Read(http, _records, recordId));
        app.MapPost("/v1/roles", (HttpContext http, Credentials.AuthorizationSetup.AuthressRole role) => WriteRole(http, role, create: true));
        app.MapPut("/v1/roles/{roleId}", (HttpContext http, string roleId, Credentials.AuthorizationSetup.AuthressRole role) =>
            role.RoleId == roleId ? WriteRole(http, role, create: false) : Results.BadRequest(new { errorCode = "IdMismatch" }));
        app.MapPost("/v1/records", (HttpContext http, Credentials.AuthorizationSetup.AuthressAccessRecord record) => WriteRecord(http, record, create: true));
        app.MapPut("/v1/records/{recordId}", (HttpContext http, string recordId, Credentials.AuthorizationSetup.AuthressAccessRecord record) =>
            record.RecordId == recordId ? WriteRecord(http, record, create: false) : Results.BadRequest(new { errorCode = "IdMismatch" }));
    }

    private IResult Read(HttpContext http, System.Collections.Concurrent.ConcurrentDictionary<string, System.Text.Json.Nodes.JsonObject> store, string id) =>
        !IsAuthenticatedServiceClient(http.Request.Headers.Authorization.ToString()) ? Results.Json(new { errorCode = "Unauthorized" }, statusCode: 401)
        : store.TryGetValue(id, out var stored) ? Results.Json(stored)
        : Results.NotFound();

    private IResult WriteRole(HttpContext http, Credentials.AuthorizationSetup.AuthressRole role, bool create)
    {
        if (!IsAuthenticatedServiceClient(http.Request.Headers.Authorization.ToString()))
        {
            return Results.Json(new { errorCode = "Unauthorized" }, statusCode: 401);
        }

        if (create && _roles.ContainsKey(role.RoleId))
        {
            return Results.Conflict(new { errorCode = "AlreadyExists" });
        }

        Interlocked.Increment(ref _administrationWrites);
        _roles[role.RoleId] = ToNode(role);
        Grants.Put(role);
        return create ? Results.Json(role, statusCode: 201) : Results.Json(role);
    }

    private IResult WriteRecord(HttpContext http, Credentials.AuthorizationSetup.AuthressAccessRecord record, bool create)
    {
        if (!IsAuthenticatedServiceClient(http.Request.Headers.Authorization.ToString()))
        {
            return Results.Json(new { errorCode = "Unauthorized" }, statusCode: 401);
        }

        if (create && _records.ContainsKey(record.RecordId))
        {
            return Results.Conflict(new { errorCode = "AlreadyExists" });
        }

        Interlocked.Increment(ref _administrationWrites);
        _records[record.RecordId] = ToNode(record);
        Grants.Put(record);
        return create ? Results.Json(record, statusCode: 201) : Results.Json(record);
    }

    private static System.Text.Json.Nodes.JsonObject ToNode<T>(T value) =>
        JsonSerializer.SerializeToNode(value, Credentials.AuthorizationSetup.AuthorizationFile.Format)!.AsObject();

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

    private bool IsAuthenticatedServiceClient(string authorization)
    {
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return false;
        }

        var claims = Ed25519Jwt.Verify(authorization["Bearer ".Length..], c =>
            c.TryGetProperty("sub", out var sub) && _serviceClients.TryGetValue(sub.GetString() ?? string.Empty, out var key) ? key : null,
            DateTimeOffset.UtcNow);
        return claims is { } verified
            && verified.TryGetProperty("iss", out var iss) && verified.TryGetProperty("sub", out var subject)
            && (iss.GetString() ?? string.Empty).EndsWith("/v1/clients/" + Uri.EscapeDataString(subject.GetString()!), StringComparison.Ordinal);
    }
}
