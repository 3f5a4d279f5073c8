using System.Text.Json;
using NSec.Cryptography;

namespace Credentials.AuthressLocal;

/// <summary>
/// Signing keys as Authress publishes them, and the checks Authress makes on the service-client tokens its API receives.
/// </summary>
public sealed partial class AuthressLocalServer
{
    private const string ClientsPath = "/v1/clients/";
    private int _jwksRequests;

    /// <summary>How many times signing keys were fetched, on any path (including answers of 404).</summary>
    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>
    /// Registers the service client of an access key made elsewhere (<c>clientId.keyId.accountId.privateKey</c>), as
    /// creating the client and its key in Authress would: only its public key and key id are kept. The key must belong
    /// to this account.
    /// </summary>
    public void AddServiceClient(string accessKey)
    {
        var (clientId, accountId, key) = ServiceClients.FromAccessKey(accessKey);
        if (accountId != AccountId)
        {
            throw new ArgumentException($"The access key is of account '{accountId}', not of this endpoint's '{AccountId}'.", nameof(accessKey));
        }

        ServiceClients.Add(clientId, key);
    }

    /// <summary>A new access key for a service client (created if new), as <c>POST /v1/clients/{clientId}/access-keys</c> hands it out.</summary>
    public string CreateAccessKey(string clientId) => ServiceClients.CreateAccessKey(clientId, AccountId);

    /// <summary>Deletes a service client: its key address then answers 404, and the service must refuse its tokens.</summary>
    public bool RemoveServiceClient(string clientId) => ServiceClients.Remove(clientId);

    /// <summary>
    /// The account's issuer (user tokens) at <c>/.well-known/openid-configuration</c>, and each service client's at
    /// <c>/v1/clients/{clientId}/.well-known/openid-configuration</c>; each document's <c>jwks_uri</c> is its
    /// <c>…/jwks</c>. A client that does not exist has neither (404).
    /// </summary>
    private void MapSigningKeys(WebApplication app)
    {
        app.MapGet("/.well-known/openid-configuration", () => Discovery(Origin));
        app.MapGet("/.well-known/openid-configuration/jwks", () =>
        {
            Interlocked.Increment(ref _jwksRequests);
            return Results.Json(new Api.JsonWebKeySet([new Api.JsonWebKey(KeyId, Ed25519Jwt.Base64Url(_issuerKey.PublicKey.Export(KeyBlobFormat.RawPublicKey)))]), Api.ApiJson.Options);
        });
        app.MapGet("/v1/clients/{clientId}/.well-known/openid-configuration", (string clientId) =>
            ServiceClients.KeysOf(clientId) is null ? Results.NotFound() : Discovery($"{Origin}{ClientsPath}{Uri.EscapeDataString(clientId)}"));
        app.MapGet("/v1/clients/{clientId}/.well-known/openid-configuration/jwks", (string clientId) =>
        {
            Interlocked.Increment(ref _jwksRequests);
            return ServiceClients.KeysOf(clientId) is { } keys
                ? Results.Json(new Api.JsonWebKeySet([.. keys.Select(k => new Api.JsonWebKey(k.KeyId, Ed25519Jwt.Base64Url(k.PublicKey.Export(KeyBlobFormat.RawPublicKey))))]), Api.ApiJson.Options)
                : Results.NotFound();
        });
    }

    private string Origin => BaseAddress.GetLeftPart(UriPartial.Authority);

    private static IResult Discovery(string issuer) =>
        Results.Json(new Api.OpenIdConfiguration(issuer, issuer + "/.well-known/openid-configuration/jwks", ["EdDSA"]), Api.ApiJson.Options);

    private static IResult Unauthorized() => Results.Json(new { errorCode = "Unauthorized" }, statusCode: 401);

    /// <summary>
    /// The claims of a service client's bearer token, or null when Authress would answer 401: the issuer is not
    /// <c>{this origin}/v1/clients/{sub}</c>, the client does not exist, the <c>kid</c> is none of its keys, the signature
    /// or expiry fails, or <c>aud</c> is not this account's.
    /// </summary>
    private JsonElement? ServiceClientClaims(string authorization)
    {
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }

        var claims = Ed25519Jwt.Verify(authorization["Bearer ".Length..], (header, unverified) =>
            unverified.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String
            && header.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String
            && ServiceClients.KeysOf(sub.GetString()!)?.FirstOrDefault(k => k.KeyId == kid.GetString()) is { } key
                ? key.PublicKey
                : null,
            DateTimeOffset.UtcNow);
        return claims is { } verified
            && verified.TryGetProperty("iss", out var iss) && verified.TryGetProperty("sub", out var subject)
            && iss.GetString() == $"{Origin}{ClientsPath}{Uri.EscapeDataString(subject.GetString()!)}"
            && verified.TryGetProperty("aud", out var aud) && aud.ValueKind == JsonValueKind.String && aud.GetString() == ServiceClientAudience
            ? verified
            : null;
    }
}
