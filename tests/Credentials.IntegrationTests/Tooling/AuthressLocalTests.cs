using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Credentials.AuthressLocal;
using NSec.Cryptography;

namespace Credentials.Tests.Tooling;

/// <summary>
/// The local Authress endpoint's own behaviour, where it stands in for Authress: grants, per-client keys, and the checks
/// Authress makes on the service-client tokens its API receives (the service's behaviour is tested elsewhere).
/// </summary>
public sealed class AuthressLocalTests : IAsyncLifetime
{
    private const string Permission = "/v1/users/sc_reader/resources/%2Fuser-credentials%2Frefresh-tokens%2Fusers%2Fu1/permissions/credentials%3Aread";
    private static readonly HttpClient Http = new();
    private AuthressLocalServer _authress = null!;

    public async Task InitializeAsync() => _authress = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", new Grants
    {
        Roles = { ["reader"] = ["credentials:read"] },
        AccessRecords = { new AccessRecord { Users = ["sc_reader"], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users/*"] } },
    });

    public async Task DisposeAsync() => await _authress.DisposeAsync();

    [Theory]
    [InlineData("/user-credentials/refresh-tokens/users/*", "/user-credentials/refresh-tokens/users/u1/connections/google", true)]
    [InlineData("/user-credentials/refresh-tokens/users/u1", "/user-credentials/refresh-tokens/users/u1/connections/google", true)]
    [InlineData("/user-credentials/refresh-tokens/users/u1", "/user-credentials/refresh-tokens/users/u2", false)]
    [InlineData("/user-credentials/refresh-tokens/users/u1/connections/google", "/user-credentials/refresh-tokens/users/u1", false)]
    public void The_local_endpoint_cascades_grants_to_sub_resources(string pattern, string resource, bool expected) =>
        Assert.Equal(expected, Grants.ResourceMatches(pattern, resource));

    [Theory]
    [InlineData("credentials:read", "credentials:read", true)]
    [InlineData("credentials:*", "credentials:delete", true)]
    [InlineData("*", "credentials:read", true)]
    [InlineData("credentials", "credentials:read", true)]
    [InlineData("credentials:list", "credentials:read", false)]
    public void The_local_endpoint_matches_actions_like_authress(string granted, string requested, bool expected) =>
        Assert.Equal(expected, Grants.ActionMatches(granted, requested));

    [Fact]
    public async Task Each_service_client_has_its_own_keys_at_its_own_issuer_and_an_unknown_client_has_none()
    {
        var first = KeyIdOf(_authress.MintCallerToken("sc_first", CallerTokenKind.ServiceClient));
        var second = KeyIdOf(_authress.MintCallerToken("sc_second", CallerTokenKind.ServiceClient));

        var firstKeys = await GetJsonAsync("v1/clients/sc_first/.well-known/openid-configuration/jwks");
        var discovery = await GetJsonAsync("v1/clients/sc_first/.well-known/openid-configuration");
        using var unknownKeys = await Http.GetAsync(new Uri(_authress.BaseAddress, "v1/clients/sc_unknown/.well-known/openid-configuration/jwks"));
        using var unknownDiscovery = await Http.GetAsync(new Uri(_authress.BaseAddress, "v1/clients/sc_unknown/.well-known/openid-configuration"));

        Assert.NotEqual(first, second);
        var key = Assert.Single(firstKeys.GetProperty("keys").EnumerateArray());
        Assert.Equal(first, key.GetProperty("kid").GetString());
        Assert.Equal(("OKP", "Ed25519", "EdDSA"), (key.GetProperty("kty").GetString(), key.GetProperty("crv").GetString(), key.GetProperty("alg").GetString()));
        var issuer = _authress.BaseAddress.GetLeftPart(UriPartial.Authority) + "/v1/clients/sc_first";
        Assert.Equal(issuer, discovery.GetProperty("issuer").GetString());
        Assert.Equal(issuer + "/.well-known/openid-configuration/jwks", discovery.GetProperty("jwks_uri").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknownKeys.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownDiscovery.StatusCode);
    }

    [Fact]
    public async Task The_api_refuses_service_client_tokens_for_another_audience_with_an_unknown_kid_or_of_a_deleted_client()
    {
        var accessKey = _authress.CreateAccessKey("sc_reader");
        var (keyId, key) = PrivateKeyOf(accessKey);
        using (key)
        {
            Assert.Equal(HttpStatusCode.OK, await AuthorizeAsync(Sign(key, keyId, _authress.ServiceClientAudience)));
            Assert.Equal(HttpStatusCode.Unauthorized, await AuthorizeAsync(Sign(key, keyId, "other-account.accounts.authress.io")));
            Assert.Equal(HttpStatusCode.Unauthorized, await AuthorizeAsync(Sign(key, "key_unknown", _authress.ServiceClientAudience)));
            Assert.True(_authress.RemoveServiceClient("sc_reader"));
            Assert.Equal(HttpStatusCode.Unauthorized, await AuthorizeAsync(Sign(key, keyId, _authress.ServiceClientAudience)));
        }
    }

    private string Sign(Key key, string keyId, string audience)
    {
        var now = DateTimeOffset.UtcNow;
        return Ed25519Jwt.Sign(key, keyId, new Dictionary<string, object>
        {
            ["iss"] = _authress.BaseAddress.GetLeftPart(UriPartial.Authority) + "/v1/clients/sc_reader",
            ["sub"] = "sc_reader",
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(5).ToUnixTimeSeconds(),
        });
    }

    private async Task<HttpStatusCode> AuthorizeAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_authress.BaseAddress, Permission));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<JsonElement> GetJsonAsync(string path) =>
        JsonDocument.Parse(await Http.GetStringAsync(new Uri(_authress.BaseAddress, path))).RootElement.Clone();

    private static string KeyIdOf(string token) =>
        JsonDocument.Parse(Ed25519Jwt.FromBase64Url(token.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;

    private static (string KeyId, Key Key) PrivateKeyOf(string accessKey)
    {
        var parts = accessKey.Split('.');
        var der = Convert.FromBase64String(parts[3]);
        return (parts[1], Key.Import(SignatureAlgorithm.Ed25519, der.AsSpan(16), KeyBlobFormat.RawPrivateKey));
    }
}
