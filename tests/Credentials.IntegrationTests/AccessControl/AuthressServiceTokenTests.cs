using System.Text;
using System.Text.Json;
using Credentials.AuthressLocal;
using Credentials.Functions.AccessControl.Authress;
using Credentials.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSec.Cryptography;

namespace Credentials.Tests.AccessControl;

public sealed class AuthressServiceTokenTests
{
    private const string ReferenceAccessKey = "sc_aAKceYi7VJDCU8vB7HcTo3Q.pogP.ignore-account-id.MC4CAQAwBQYDK2VwBCIEIDVjjrIVCH3dVRq4ixRzBwjVHSoB2QzZ2iJuHq1Wshwp";

    [Fact]
    public void The_reference_access_key_yields_the_reference_public_key()
    {
        Assert.True(AuthressAccessKey.TryParse(ReferenceAccessKey, out var key));
        using (key)
        {
            Assert.Equal("sc_aAKceYi7VJDCU8vB7HcTo3Q", key.ClientId);
            Assert.Equal("pogP", key.KeyId);
            Assert.Equal("ignore-account-id", key.AccountId);
            Assert.Equal("JxtSC5tZZJuaW7Aeu5Kh_3tgCpPZRkHaaFyTj5sQ3KU", Base64Url(key.PublicKey));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b.c")]
    [InlineData("a.b.c.not-base64!")]
    [InlineData("a.b.c.MC4CAQAwBQYDK2VwBCIEIDVjjrIVCH3dVRq4ixRzBwjVHSoB2QzZ2iJu")]
    [InlineData("a.b.c.MC4CAQEwBQYDK2VwBCIEIDVjjrIVCH3dVRq4ixRzBwjVHSoB2QzZ2iJuHq1Wshwp")]
    public void Malformed_access_keys_are_refused(string accessKey) => Assert.False(AuthressAccessKey.TryParse(accessKey, out _));

    [Fact]
    public void Minted_token_has_the_specified_header_claims_and_a_valid_signature()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        using var provider = Provider("https://acct.api.authress.io", time);

        var parts = provider.GetToken().Split('.');
        var header = JsonDocument.Parse(FromBase64Url(parts[0])).RootElement;
        var claims = JsonDocument.Parse(FromBase64Url(parts[1])).RootElement;

        Assert.Equal("EdDSA", header.GetProperty("alg").GetString());
        Assert.Equal("at+jwt", header.GetProperty("typ").GetString());
        Assert.Equal("pogP", header.GetProperty("kid").GetString());
        Assert.Equal("https://ignore-account-id.api.authress.io/v1/clients/sc_aAKceYi7VJDCU8vB7HcTo3Q", claims.GetProperty("iss").GetString());
        Assert.Equal("sc_aAKceYi7VJDCU8vB7HcTo3Q", claims.GetProperty("sub").GetString());
        Assert.Equal("sc_aAKceYi7VJDCU8vB7HcTo3Q", claims.GetProperty("client_id").GetString());
        Assert.Equal("ignore-account-id.accounts.authress.io", claims.GetProperty("aud").GetString());
        Assert.Equal("openid", claims.GetProperty("scope").GetString());
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), claims.GetProperty("iat").GetInt64());
        Assert.Equal(time.GetUtcNow().AddHours(24).ToUnixTimeSeconds(), claims.GetProperty("exp").GetInt64());
        var publicKey = PublicKey.Import(SignatureAlgorithm.Ed25519, FromBase64Url("JxtSC5tZZJuaW7Aeu5Kh_3tgCpPZRkHaaFyTj5sQ3KU"), KeyBlobFormat.RawPublicKey);
        Assert.True(SignatureAlgorithm.Ed25519.Verify(publicKey, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2])));
    }

    [Fact]
    public void A_custom_domain_is_the_issuer_host()
    {
        using var provider = Provider("https://login.example.com", new FakeTimeProvider());

        var claims = JsonDocument.Parse(FromBase64Url(provider.GetToken().Split('.')[1])).RootElement;

        Assert.Equal("https://login.example.com/v1/clients/sc_aAKceYi7VJDCU8vB7HcTo3Q", claims.GetProperty("iss").GetString());
    }

    [Fact]
    public void The_token_is_reused_until_less_than_an_hour_of_life_remains()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var provider = Provider("https://acct.api.authress.io", time);
        var first = provider.GetToken();

        time.Advance(TimeSpan.FromHours(23) - TimeSpan.FromSeconds(1));
        var reused = provider.GetToken();
        time.Advance(TimeSpan.FromSeconds(2));
        var renewed = provider.GetToken();

        Assert.Equal(first, reused);
        Assert.NotEqual(first, renewed);
    }

    private static AuthressServiceTokenProvider Provider(string apiBaseUrl, TimeProvider time) =>
        new(Options.Create(new AuthressOptions { ApiBaseUrl = new Uri(apiBaseUrl), AccessKey = ReferenceAccessKey }), time);

    private static string Base64Url(byte[] bytes) => Ed25519Jwt.Base64Url(bytes);

    private static byte[] FromBase64Url(string text) => Ed25519Jwt.FromBase64Url(text);
}
