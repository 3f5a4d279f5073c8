using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Credentials.AuthressLocal;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NSec.Cryptography;

namespace Credentials.Tests.AccessControl;

// Longer than 250 lines on purpose: every admission outcome (401, 400, 403, 503, self-service, cascades) over HTTP
// against one dev host and Authress endpoint.

/// <summary>Authentication and Authress authorization over HTTP through the dev host, against the local Authress endpoint.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class AccessControlTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string ServiceClientId = "sc_credentials_service";
    private const string Reader = "sc_nightly_sync";
    private const string UserScopedReader = "sc_user_scoped";
    private const string Stranger = "sc_stranger";
    private AuthressLocalServer _authress = null!;
    private RunningDevHost _host = null!;
    private string _auditTable = null!;

    public async Task InitializeAsync()
    {
        var grants = new Grants
        {
            Roles = { ["reader"] = ["credentials:read", "credentials:list"] },
            AccessRecords =
            {
                new AccessRecord { Users = [Reader], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users/*"] },
                new AccessRecord { Users = [UserScopedReader], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users/u1"] },
            },
        };
        var (accessKey, _) = TestAccessKeys.Create(ServiceClientId);
        _authress = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", grants);
        _authress.AddServiceClient(accessKey);
        _auditTable = "Audit" + Guid.NewGuid().ToString("N")[..10];
        _host = await RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:ConnectionsTable"] = "Conn" + Guid.NewGuid().ToString("N")[..10],
            ["Storage:AuditTable"] = _auditTable,
            ["Authentication:Issuers:0:Issuer"] = _authress.BaseAddress.ToString(),
            ["Authentication:Issuers:0:Kind"] = "Authress",
            ["Authress:ApiBaseUrl"] = _authress.BaseAddress.ToString(),
            ["Authress:AccessKey"] = accessKey,
            ["Authress:MaxRetries"] = "1",
            ["Authorization:AllowCacheDuration"] = "00:00:00",
            ["Authorization:DenyCacheDuration"] = "00:00:00",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _authress.DisposeAsync();
    }

    [Fact]
    public async Task A_caller_with_a_grant_is_let_through()
    {
        using var response = await GetAsync("api/users/u1/connections", Token(Reader));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, body.GetProperty("connections").GetArrayLength());
    }

    [Fact]
    public async Task A_caller_without_a_grant_gets_403()
    {
        using var response = await GetAsync("api/users/u1/connections", Token(Stranger));

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_grant_on_the_user_cascades_to_that_users_connections_only()
    {
        await AddConnectionAsync("u1", "google");
        await AddConnectionAsync("u2", "google");

        using var own = await GetAsync("api/users/u1/connections/google", Token(UserScopedReader));
        using var other = await GetAsync("api/users/u2/connections/google", Token(UserScopedReader));

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var metadata = await own.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("google", metadata.GetProperty("provider").GetString());
        Assert.DoesNotContain("token-value", metadata.GetRawText(), StringComparison.Ordinal);
        await ProblemAssert.IsAsync(other, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task No_token_is_401_with_a_bare_bearer_challenge()
    {
        using var response = await GetAsync("api/users/u1/connections", token: null);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "authentication_required");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Null(response.Headers.WwwAuthenticate.Single().Parameter);
    }

    [Fact]
    public async Task Tokens_from_an_unknown_issuer_are_401()
    {
        await using var otherAuthress = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", new Grants());

        using var response = await GetAsync("api/users/u1/connections", otherAuthress.MintCallerToken(Reader, CallerTokenKind.ServiceClient));

        await AssertInvalidTokenAsync(response, "issuer");
    }

    [Fact]
    public async Task Expired_and_not_yet_valid_tokens_are_401()
    {
        using var expired = await GetAsync("api/users/u1/connections", _authress.MintCallerToken(Reader, CallerTokenKind.ServiceClient, TimeSpan.FromMinutes(-5)));
        using var early = await GetAsync("api/users/u1/connections",
            _authress.MintCallerToken(Reader, CallerTokenKind.ServiceClient, TimeSpan.FromHours(2), DateTimeOffset.UtcNow.AddHours(1)));

        await AssertInvalidTokenAsync(expired, "expired");
        await AssertInvalidTokenAsync(early, "not valid yet");
    }

    [Fact]
    public async Task A_forged_signature_is_401()
    {
        var parts = Token(Reader).Split('.');
        var claims = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Ed25519Jwt.FromBase64Url(parts[1]))!;
        var elevated = JsonSerializer.SerializeToUtf8Bytes(claims.ToDictionary(c => c.Key, c => c.Key == "exp" ? (object)(long.MaxValue / 1000) : c.Value));
        using var otherKey = Key.Create(SignatureAlgorithm.Ed25519);
        var readerKeyId = JsonDocument.Parse(Ed25519Jwt.FromBase64Url(parts[0])).RootElement.GetProperty("kid").GetString()!;
        var resigned = Ed25519Jwt.Sign(otherKey, readerKeyId, claims.ToDictionary(c => c.Key, c => (object)c.Value));

        using var swappedPayload = await GetAsync("api/users/u1/connections", $"{parts[0]}.{Ed25519Jwt.Base64Url(elevated)}.{parts[2]}");
        using var wrongKey = await GetAsync("api/users/u1/connections", resigned);

        await AssertInvalidTokenAsync(swappedPayload, "signature");
        await AssertInvalidTokenAsync(wrongKey, "signature");
    }

    [Fact]
    public async Task Alg_none_and_hmac_with_the_public_key_are_401()
    {
        var parts = Token(Reader).Split('.');
        var none = $"{Ed25519Jwt.Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8)}.{parts[1]}.";
        var hsHeader = Ed25519Jwt.Base64Url(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"authress-local-1\"}"));
        var jwks = await new HttpClient().GetFromJsonAsync<JsonElement>(new Uri(_authress.BaseAddress, ".well-known/openid-configuration/jwks"));
        var publicKey = Ed25519Jwt.FromBase64Url(jwks.GetProperty("keys")[0].GetProperty("x").GetString()!);
        var hmac = HMACSHA256.HashData(publicKey, Encoding.ASCII.GetBytes($"{hsHeader}.{parts[1]}"));

        using var unsigned = await GetAsync("api/users/u1/connections", none);
        using var symmetric = await GetAsync("api/users/u1/connections", $"{hsHeader}.{parts[1]}.{Ed25519Jwt.Base64Url(hmac)}");
        using var garbage = await GetAsync("api/users/u1/connections", "not.a.jwt");

        await AssertInvalidTokenAsync(unsigned, null);
        await AssertInvalidTokenAsync(symmetric, null);
        await AssertInvalidTokenAsync(garbage, null);
    }

    [Fact]
    public async Task A_service_client_token_whose_subject_is_not_its_client_is_401()
    {
        var parts = Token(Reader).Split('.');
        var claims = JsonSerializer.Deserialize<Dictionary<string, object>>(Ed25519Jwt.FromBase64Url(parts[1]))!;
        claims["iss"] = $"{_authress.BaseAddress.GetLeftPart(UriPartial.Authority)}/v1/clients/{Stranger}";

        // Signed by the stranger's own key, so only the subject is wrong.
        using var mismatched = await GetAsync("api/users/u1/connections", _authress.MintCustomToken(claims, serviceClient: Stranger));

        await AssertInvalidTokenAsync(mismatched, "subject");
    }

    [Fact]
    public async Task Authress_failures_fail_closed_with_503_and_retry_after()
    {
        foreach (var status in new[] { 500, 503, 429 })
        {
            _authress.ForcedStatus = status;
            using var response = await GetAsync("api/users/u1/connections", Token(Reader));

            await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "authorization_unavailable");
            Assert.NotNull(response.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task Authress_unreachable_fails_closed_with_503()
    {
        var (accessKey, _) = TestAccessKeys.Create(ServiceClientId);
        using var authressDown = LoopbackPorts.Closed();
        await using var isolated = await RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:AuditTable"] = "Audit" + Guid.NewGuid().ToString("N")[..10],
            ["Authentication:Issuers:0:Issuer"] = _authress.BaseAddress.ToString(),
            ["Authress:ApiBaseUrl"] = $"http://127.0.0.1:{authressDown.Port}/",
            ["Authress:AccessKey"] = accessKey,
            ["Authress:MaxRetries"] = "1",
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/users/u1/connections");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(Reader));

        using var response = await isolated.Client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "authorization_unavailable");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_hanging_authress_answers_503_within_the_total_budget_whatever_the_retries()
    {
        var (accessKey, _) = TestAccessKeys.Create(ServiceClientId);
        using var hanging = LoopbackPorts.Listen();
        await using var isolated = await RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:AuditTable"] = "Audit" + Guid.NewGuid().ToString("N")[..10],
            ["Authentication:Issuers:0:Issuer"] = _authress.BaseAddress.ToString(),
            ["Authress:ApiBaseUrl"] = $"http://127.0.0.1:{LoopbackPorts.PortOf(hanging)}/",
            ["Authress:AccessKey"] = accessKey,
            ["Authress:RequestTimeout"] = "00:00:00.400",
            ["Authress:TotalTimeout"] = "00:00:01",
            ["Authress:MaxRetries"] = "5",
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/users/u1/connections");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(Reader));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using var response = await isolated.Client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "authorization_unavailable");
        // Six attempts of 0.4 s plus their backoff would take 5.5 s; the budget ends it at about 1 s (the upper bound leaves
        // room for a loaded machine).
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(4));
    }

    [Theory]
    [InlineData("google-oauth2|123", "google-oauth2%7C123")]
    [InlineData("a+b=c@d~e.f_g-h", "a%2Bb%3Dc%40d~e.f_g-h")]
    public async Task Ids_reach_authress_as_single_fully_encoded_segments(string userId, string encodedUserId)
    {
        using var response = await GetAsync($"api/users/{Uri.EscapeDataString(userId)}/connections/google", Token(Reader));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(
            $"/v1/users/{Reader}/resources/%2Fuser-credentials%2Frefresh-tokens%2Fusers%2F{encodedUserId}%2Fconnections%2Fgoogle/permissions/credentials%3Alist",
            _authress.AuthorizeRequestTargets);
    }

    [Fact]
    public async Task Ids_outside_the_allowed_characters_are_400_after_authentication()
    {
        using var response = await GetAsync("api/users/bad!id/connections", Token(Reader));
        using var anonymous = await GetAsync("api/users/bad!id/connections", token: null);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid_identifier");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_user_may_list_their_own_connections_without_a_grant_but_not_anyone_elses()
    {
        using var own = await GetAsync("api/users/person-1/connections", _authress.MintCallerToken("person-1", CallerTokenKind.User));
        using var others = await GetAsync("api/users/person-2/connections", _authress.MintCallerToken("person-1", CallerTokenKind.User));

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        await ProblemAssert.IsAsync(others, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Every_decision_is_audited_with_caller_and_correlation_id()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/users/audited-user/connections");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(Stranger));
        request.Headers.Add("x-correlation-id", "audit-check-1");
        using var response = await _host.Client.SendAsync(request);

        var events = await _host.Services.GetRequiredService<AuditLog>().ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);

        var decision = Assert.Single(events, e => e.CorrelationId == "audit-check-1");
        Assert.Equal(Stranger, decision.Caller);
        Assert.Equal("audited-user", decision.UserId);
        Assert.Equal("denied", decision.Outcome);
        Assert.Equal(AuditActions.Authorize, decision.Action);
        Assert.Contains("credentials:list", decision.Reason, StringComparison.Ordinal);
    }

    private string Token(string subject) => _authress.MintCallerToken(subject, CallerTokenKind.ServiceClient);

    private async Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _host.Client.SendAsync(request);
    }

    private async Task AddConnectionAsync(string userId, string connectionId)
    {
        var record = await TestRecords.CreateAsync(_host.Services.GetRequiredService<ConnectionSecrets>(), userId, connectionId);
        await _host.Services.GetRequiredService<ConnectionStore>().AddAsync(record, CancellationToken.None);
    }

    private static async Task AssertInvalidTokenAsync(HttpResponseMessage response, string? descriptionContains)
    {
        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "invalid_token");
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        if (descriptionContains is not null)
        {
            Assert.Contains(descriptionContains, challenge.Parameter, StringComparison.OrdinalIgnoreCase);
        }
    }
}
