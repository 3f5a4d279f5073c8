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
/// An Authress-compatible endpoint for local runs and tests (never deployed), answering in the shapes of Authress's
/// published API: evaluates real grants for <c>authorizeUser</c>, accepts only tokens of service clients it knows
/// (EdDSA, signed by one of the client's own keys named by <c>kid</c>, <c>aud</c> = the account's), serves each
/// client's public keys under its own issuer, and mints caller tokens on <c>POST /local/tokens</c>.
/// </summary>
public sealed partial class AuthressLocalServer : IAsyncDisposable
{
    /// <summary>The <c>aud</c> of local user tokens: the app id an Authress application's sign-in would put there.</summary>
    public const string DefaultUserAudience = "app_credentials_local";

    /// <summary>The account id unless another is given: the third part of the access keys the tests make.</summary>
    public const string DefaultAccountId = "acc-local";

    private const string KeyId = "authress-local-1";
    private readonly WebApplication _app;
    private readonly Key _issuerKey;
    private readonly ConcurrentQueue<string> _authorizeTargets = new();

    private AuthressLocalServer(WebApplication app, Grants grants, string accountId)
    {
        _app = app;
        Grants = grants;
        AccountId = accountId;
        _issuerKey = Key.Create(SignatureAlgorithm.Ed25519);
    }

    /// <summary>The Authress account this endpoint stands for.</summary>
    public string AccountId { get; }

    /// <summary>The <c>aud</c> of service-client tokens, as Authress's SDKs set it and Authress requires it: <c>{accountId}.accounts.authress.io</c>.</summary>
    public string ServiceClientAudience => $"{AccountId}.accounts.authress.io";

    /// <summary>The account's service clients and their access keys.</summary>
    public ServiceClients ServiceClients { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public Grants Grants { get; }

    /// <summary>When set, authorizeUser answers this status instead of evaluating (to test throttling and outages).</summary>
    public int? ForcedStatus { get; set; }

    /// <summary>The raw request targets of authorizeUser calls, exactly as they arrived.</summary>
    public IReadOnlyCollection<string> AuthorizeRequestTargets => _authorizeTargets;

    public static async Task<AuthressLocalServer> StartAsync(string url, Grants grants, string accountId = DefaultAccountId)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        var server = new AuthressLocalServer(app, grants, accountId);
        server.MapSigningKeys(app);
        app.MapPost("/local/tokens", server.MintFromRequestAsync);
        app.MapGet("/v1/users/{**rest}", server.UserPermissions);
        server.MapAuthorizationAdministration(app);
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Urls.First());
        return server;
    }

    /// <summary>
    /// A caller token: a user's is signed with the account's key, a service client's with one of that client's own keys
    /// (a client not seen before is created with one, as if it had been made in Authress).
    /// </summary>
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

        if (kind == CallerTokenKind.ServiceClient)
        {
            var clientKey = ServiceClients.SigningKey(subject);
            return Ed25519Jwt.Sign(clientKey.PrivateKey!, clientKey.KeyId, claims);
        }

        return Ed25519Jwt.Sign(_issuerKey, KeyId, claims);
    }

    /// <summary>
    /// Signs arbitrary claims, for tests of tokens that are well signed but wrong in content: with the account's key, or
    /// with a key of <paramref name="serviceClient"/> (created if new) when one is named.
    /// </summary>
    public string MintCustomToken(IReadOnlyDictionary<string, object> claims, string? serviceClient = null)
    {
        if (serviceClient is null)
        {
            return Ed25519Jwt.Sign(_issuerKey, KeyId, claims);
        }

        var clientKey = ServiceClients.SigningKey(serviceClient);
        return Ed25519Jwt.Sign(clientKey.PrivateKey!, clientKey.KeyId, claims);
    }

    public async Task WaitForShutdownAsync() => await _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _issuerKey.Dispose();
        ServiceClients.Dispose();
    }

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

    /// <summary>
    /// <c>GET /v1/users/{userId}/resources/{resourceUri}/permissions/{permission}</c> (authorizeUser: 200 with no body,
    /// 404 when not granted) and <c>GET /v1/users/{userId}/resources/{resourceUri}/permissions</c>
    /// (getUserPermissionsForResource: a <c>PermissionCollection</c>, 404 when there is none).
    /// </summary>
    private IResult UserPermissions(HttpContext http)
    {
        // Parse the raw target so that the test sees exactly what the client sent: each parameter must be one segment.
        var rawTarget = http.Features.Get<IHttpRequestFeature>()!.RawTarget;
        _authorizeTargets.Enqueue(rawTarget);
        if (ServiceClientClaims(http.Request.Headers.Authorization.ToString()) is null)
        {
            return Unauthorized();
        }

        if (ForcedStatus is { } forced)
        {
            return Results.StatusCode(forced);
        }

        switch (rawTarget.Split('?')[0].Trim('/').Split('/'))
        {
            case ["v1", "users", var user, "resources", var resource, "permissions", var permission]:
                return Grants.Allows(Uri.UnescapeDataString(user), Uri.UnescapeDataString(resource), Uri.UnescapeDataString(permission))
                    ? Results.Ok()
                    : Results.NotFound();
            case ["v1", "users", var user, "resources", var resource, "permissions"]:
                var userId = Uri.UnescapeDataString(user);
                var actions = Grants.ActionsOn(userId, Uri.UnescapeDataString(resource));
                return actions.Count == 0
                    ? Results.NotFound()
                    : Results.Json(
                        new Api.PermissionCollection(new Api.AccountLink(AccountId), userId, [.. actions.Select(a => new Api.PermissionObject(a, Allow: true, Grant: false, Delegate: false))]),
                        Api.ApiJson.Options);
            default:
                return Results.Json(new { errorCode = "InvalidPath", rawTarget }, statusCode: 400);
        }
    }
}
