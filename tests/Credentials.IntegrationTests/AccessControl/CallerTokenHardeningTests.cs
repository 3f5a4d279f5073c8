using System.Net;
using System.Net.Http.Headers;
using Credentials.AuthressLocal;
using Credentials.Functions.AccessControl;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NSec.Cryptography;

namespace Credentials.Tests.AccessControl;

/// <summary>What a caller's token can make the service do before it is trusted: fetch keys, hold memory, or blame the caller.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class CallerTokenHardeningTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Reader = "sc_nightly_sync";
    private AuthressLocalServer _authress = null!;
    private RunningDevHost _host = null!;

    public async Task InitializeAsync()
    {
        var grants = new Grants
        {
            Roles = { ["reader"] = ["credentials:list"] },
            AccessRecords = { new AccessRecord { Users = [Reader], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users/*"] } },
        };
        var (accessKey, _) = TestAccessKeys.Create("sc_credentials_service");
        _authress = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", grants);
        _authress.AddServiceClient(accessKey);
        _host = await RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:AuditTable"] = "Audit" + Guid.NewGuid().ToString("N")[..10],
            ["Authentication:Issuers:0:Issuer"] = _authress.BaseAddress.ToString(),
            ["Authentication:Issuers:0:Kind"] = "Authress",
            ["Authress:ApiBaseUrl"] = _authress.BaseAddress.ToString(),
            ["Authress:AccessKey"] = accessKey,
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _authress.DisposeAsync();
    }

    [Fact]
    public async Task A_thousand_tokens_naming_random_service_clients_make_a_bounded_number_of_key_fetches()
    {
        using (var known = await ListAsync(_authress.MintCallerToken(Reader, CallerTokenKind.ServiceClient)))
        {
            Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        }

        var fetchesBefore = _authress.JwksRequests;
        var statuses = new List<HttpStatusCode>();
        foreach (var batch in Enumerable.Range(0, 1_000).Chunk(25))
        {
            var responses = await Task.WhenAll(batch.Select(_ => ListAsync(_authress.MintCallerToken("sc_" + Guid.NewGuid().ToString("N"), CallerTokenKind.ServiceClient))));
            statuses.AddRange(responses.Select(r => r.StatusCode));
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        var keys = _host.Services.GetRequiredService<SigningKeyCache>();
        var fetched = _authress.JwksRequests - fetchesBefore;
        Assert.InRange(fetched, 1, SigningKeyCache.NewKeySetFetchesPerMinute + 1);
        Assert.InRange(keys.KeySetCount, 1, SigningKeyCache.NewKeySetFetchesPerMinute + 2);
        Assert.Equal(1_000, statuses.Count(s => s is HttpStatusCode.Forbidden or HttpStatusCode.ServiceUnavailable));
        using var stillKnown = await ListAsync(_authress.MintCallerToken(Reader, CallerTokenKind.ServiceClient));
        Assert.Equal(HttpStatusCode.OK, stillKnown.StatusCode);
    }

    [Fact]
    public async Task A_service_client_whose_key_endpoint_answers_404_is_401_invalid_token()
    {
        // A granted client whose token is well signed, deleted before the service first sees it: its keys are gone.
        var token = _authress.MintCallerToken(Reader, CallerTokenKind.ServiceClient);
        Assert.True(_authress.RemoveServiceClient(Reader));
        using var http = new HttpClient();
        using var keys = await http.GetAsync(new Uri(_authress.BaseAddress, $"v1/clients/{Reader}/.well-known/openid-configuration/jwks"));
        Assert.Equal(HttpStatusCode.NotFound, keys.StatusCode);

        using var response = await ListAsync(token);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Theory]
    [InlineData("a%2F..%2Fb")]
    [InlineData("..")]
    [InlineData("sc.with.dots")]
    [InlineData("sc%0Aline")]
    [InlineData("sc%20space")]
    public async Task A_service_client_id_outside_authress_id_characters_is_refused_without_a_fetch(string encodedClientId)
    {
        var origin = _authress.BaseAddress.GetLeftPart(UriPartial.Authority);
        var now = DateTimeOffset.UtcNow;
        var token = _authress.MintCustomToken(new Dictionary<string, object>
        {
            ["iss"] = $"{origin}/v1/clients/{encodedClientId}",
            ["sub"] = Uri.UnescapeDataString(encodedClientId),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        });
        var fetchesBefore = _authress.JwksRequests;

        using var response = await ListAsync(token);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "invalid_token");
        Assert.Equal(fetchesBefore, _authress.JwksRequests);
    }

    [Fact]
    public async Task Signing_keys_that_cannot_be_fetched_answer_503_with_retry_after_not_401()
    {
        using var down = LoopbackPorts.Closed();
        var origin = $"http://127.0.0.1:{down.Port}";
        await using var host = await RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Authentication:Issuers:0:Issuer"] = origin,
            ["Authentication:Issuers:0:Kind"] = "Authress",
        });
        var now = DateTimeOffset.UtcNow;
        var token = _authress.MintCustomToken(new Dictionary<string, object>
        {
            ["iss"] = $"{origin}/v1/clients/{Reader}",
            ["sub"] = Reader,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        });

        using var first = await ListAsync(token, host);
        using var again = await ListAsync(token, host);

        await ProblemAssert.IsAsync(first, HttpStatusCode.ServiceUnavailable, "authorization_unavailable");
        await ProblemAssert.IsAsync(again, HttpStatusCode.ServiceUnavailable, "authorization_unavailable");
        Assert.NotNull(first.Headers.RetryAfter);
    }

    [Fact]
    public async Task An_unreachable_oidc_issuer_answers_503_not_401()
    {
        using var down = LoopbackPorts.Closed();
        var issuer = $"http://127.0.0.1:{down.Port}/tenant/v2.0";
        await using var host = await RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Authentication:Issuers:0:Issuer"] = issuer,
            ["Authentication:Issuers:0:Kind"] = "Oidc",
            ["Authentication:Issuers:0:Audience"] = "api://credentials-service",
            ["Authentication:Issuers:0:SubjectPrefix"] = "workload|",
            ["Authentication:Issuers:0:Algorithms:0"] = "EdDSA",
        });
        var now = DateTimeOffset.UtcNow;
        var token = _authress.MintCustomToken(new Dictionary<string, object>
        {
            ["iss"] = issuer,
            ["sub"] = "workload-1",
            ["aud"] = "api://credentials-service",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        });

        using var response = await ListAsync(token, host);

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "authorization_unavailable");
    }

    private async Task<HttpResponseMessage> ListAsync(string token, RunningDevHost? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/users/u1/connections");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await (host ?? _host).Client.SendAsync(request);
    }
}
