using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using Credentials.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Tests.AccessControl;

/// <summary>A standard OIDC issuer (as Entra ID is): discovery document, RSA JWKS, RS256 tokens with an audience.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class OidcIssuerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Audience = "api://credentials-service";
    private readonly RSA _rsa = RSA.Create(2048);
    private WebApplication _issuer = null!;
    private string _issuerUrl = null!;
    private RunningDevHost _host = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _issuer = builder.Build();
        _issuer.MapGet("/tenant/v2.0/.well-known/openid-configuration", () => Results.Json(new { issuer = _issuerUrl, jwks_uri = $"{_issuerUrl}/keys" }));
        _issuer.MapGet("/tenant/v2.0/keys", () =>
        {
            var parameters = _rsa.ExportParameters(false);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", kid = "rsa-1", n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) } } });
        });
        await _issuer.StartAsync();
        _issuerUrl = _issuer.Urls.Single() + "/tenant/v2.0";
        _host = await RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:ConnectionsTable"] = "Oidc" + Guid.NewGuid().ToString("N")[..10],
            ["Storage:AuditTable"] = "OidcAudit" + Guid.NewGuid().ToString("N")[..10],
            ["Authentication:Issuers:1:Issuer"] = _issuerUrl,
            ["Authentication:Issuers:1:Kind"] = "Oidc",
            ["Authentication:Issuers:1:Audience"] = Audience,
            ["Authentication:Issuers:1:IssuesUserTokens"] = "true",
            ["Authentication:Issuers:1:SubjectPrefix"] = "entra|",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _issuer.StopAsync();
        await _issuer.DisposeAsync();
        _rsa.Dispose();
    }

    [Fact]
    public async Task An_rs256_token_from_a_discovered_oidc_issuer_authenticates_as_its_prefixed_subject()
    {
        using var response = await ListAsync("entra|person-7", Mint("person-7", Audience, SecurityAlgorithms.RsaSha256));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_wrong_audience_or_an_algorithm_outside_the_list_is_401()
    {
        using var wrongAudience = await ListAsync("entra|person-7", Mint("person-7", "api://someone-else", SecurityAlgorithms.RsaSha256));
        using var rs512 = await ListAsync("entra|person-7", Mint("person-7", Audience, SecurityAlgorithms.RsaSha512));

        Assert.Contains("audience", wrongAudience.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        await ProblemAssert.IsAsync(wrongAudience, HttpStatusCode.Unauthorized, "invalid_token_audience");
        Assert.Equal(HttpStatusCode.Unauthorized, rs512.StatusCode);
        Assert.Contains("error=\"invalid_token\"", rs512.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
    }

    private string Mint(string subject, string audience, string algorithm) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = _issuerUrl,
        Audience = audience,
        Subject = new ClaimsIdentity([new Claim("sub", subject)]),
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = "rsa-1" }, algorithm),
    });

    private async Task<HttpResponseMessage> ListAsync(string userId, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{userId}/connections");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _host.Client.SendAsync(request);
    }
}
