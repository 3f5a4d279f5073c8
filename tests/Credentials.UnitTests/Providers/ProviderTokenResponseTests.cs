using System.Net;
using System.Text;
using Credentials.Functions;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.Providers;

/// <summary>How token responses are read, including the providers that bend RFC 6749 (unit level: canned HTTP responses).</summary>
public sealed class ProviderTokenResponseTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GitHub_errors_inside_a_200_are_failures_and_bad_refresh_token_means_the_grant_is_gone()
    {
        var result = await RefreshAsync("github", HttpStatusCode.OK, """{"error":"bad_refresh_token","error_description":"The refresh token passed is incorrect or expired."}""");

        Assert.False(result.Succeeded);
        Assert.Equal(TokenFailureKind.InvalidGrant, result.Failure!.Kind);
        Assert.Equal("invalid_grant", result.Failure.ErrorCode);
    }

    [Fact]
    public async Task Slack_ok_false_is_a_failure()
    {
        var result = await RefreshAsync("slack", HttpStatusCode.OK, """{"ok":false,"error":"invalid_refresh_token"}""");

        Assert.Equal(TokenFailureKind.InvalidGrant, result.Failure!.Kind);
    }

    [Fact]
    public async Task A_response_without_expires_in_gets_the_providers_default_lifetime()
    {
        var result = await RefreshAsync("salesforce", HttpStatusCode.OK, """{"access_token":"at","token_type":"Bearer","scope":"api refresh_token"}""");

        Assert.Equal(Now + TimeSpan.FromMinutes(15), result.Value!.AccessTokenExpiresAt);
        Assert.Null(result.Value!.RefreshToken);
        Assert.Equal(["api", "refresh_token"], result.Value!.GrantedScopes);
    }

    [Fact]
    public async Task A_rotated_refresh_token_and_expires_in_are_read()
    {
        var result = await RefreshAsync("xero", HttpStatusCode.OK, """{"access_token":"at","token_type":"Bearer","expires_in":1800,"refresh_token":"rt2"}""");

        Assert.Equal("rt2", result.Value!.RefreshToken);
        Assert.Equal(Now + TimeSpan.FromSeconds(1800), result.Value!.AccessTokenExpiresAt);
        Assert.DoesNotContain("rt2", result.Value!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"access_token":"at"}]""")]
    [InlineData("\"just a string\"")]
    [InlineData("""{"access_token":"at","expires_in":99999999999999}""")]
    [InlineData("""{"access_token":"at","expires_in":-5}""")]
    [InlineData("""{"access_token":"at","expires_in":"soon"}""")]
    public async Task A_malformed_200_is_a_rejection_by_the_provider_never_an_exception(string body)
    {
        var result = await RefreshAsync("xero", HttpStatusCode.OK, body);

        Assert.False(result.Succeeded);
        Assert.Equal(TokenFailureKind.Rejected, result.Failure!.Kind);
        Assert.Equal("invalid_response", result.Failure.ErrorCode);
    }

    [Fact]
    public async Task Throttling_is_transient_and_keeps_retry_after()
    {
        var result = await RefreshAsync("microsoft", HttpStatusCode.TooManyRequests, "{}", retryAfterSeconds: 42);

        Assert.Equal(TokenFailureKind.Unavailable, result.Failure!.Kind);
        Assert.Equal(TimeSpan.FromSeconds(42), result.Failure.RetryAfter);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"invalid_grant"}""", TokenFailureKind.InvalidGrant)]
    [InlineData(HttpStatusCode.Unauthorized, """{"error":"invalid_client"}""", TokenFailureKind.Misconfigured)]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"unauthorized_client"}""", TokenFailureKind.Misconfigured)]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"invalid_scope"}""", TokenFailureKind.Rejected)]
    [InlineData(HttpStatusCode.BadGateway, "<html>bad gateway</html>", TokenFailureKind.Unavailable)]
    [InlineData(HttpStatusCode.BadRequest, "not json", TokenFailureKind.Rejected)]
    public async Task Failures_are_classified(HttpStatusCode status, string body, TokenFailureKind kind)
    {
        var result = await RefreshAsync("google", status, body);

        Assert.Equal(kind, result.Failure!.Kind);
    }

    [Fact]
    public async Task Basic_client_authentication_form_encodes_the_credentials_first()
    {
        HttpRequestMessage? seen = null;
        string? form = null;
        var client = Client(async request =>
        {
            seen = request;
            form = await request.Content!.ReadAsStringAsync();
            return Respond(HttpStatusCode.OK, """{"access_token":"at","expires_in":60}""");
        });
        var provider = Provider("xero") with { ClientId = "id:1", ClientSecret = "s&e+c" };

        await client.RefreshAsync(provider, Endpoints(provider), "rt", null, CancellationToken.None);

        Assert.Equal("Basic", seen!.Headers.Authorization!.Scheme);
        Assert.Equal("id%3A1:s%26e%2Bc", Encoding.UTF8.GetString(Convert.FromBase64String(seen.Headers.Authorization.Parameter!)));
        Assert.DoesNotContain("client_secret", form, StringComparison.Ordinal);
        Assert.Equal("application/json", seen.Headers.Accept.Single().MediaType);
    }

    [Fact]
    public async Task Salesforce_names_the_users_instance_in_the_token_response()
    {
        var kept = await RefreshAsync("salesforce", HttpStatusCode.OK, """{"access_token":"at","instance_url":"https://acme.my.salesforce.com"}""");
        var foreign = await RefreshAsync("salesforce", HttpStatusCode.OK, """{"access_token":"at","instance_url":"https://evil.example"}""");
        var other = await RefreshAsync("google", HttpStatusCode.OK, """{"access_token":"at","expires_in":60,"instance_url":"https://acme.my.salesforce.com"}""");

        Assert.Equal(new Uri("https://acme.my.salesforce.com/"), kept.Value!.InstanceUrl);
        Assert.Null(foreign.Value!.InstanceUrl);
        Assert.Null(other.Value!.InstanceUrl);
        Assert.Equal("instance", Provider("salesforce").Apis[0].Name);
    }

    [Theory]
    [InlineData("google", "a b")]
    [InlineData("slack", "a,b")]
    public async Task A_narrower_refresh_sends_the_scopes_with_the_providers_separator_and_a_plain_one_sends_none(string preset, string expected)
    {
        var forms = new List<string>();
        var client = Client(async request =>
        {
            forms.Add(await request.Content!.ReadAsStringAsync());
            return Respond(HttpStatusCode.OK, """{"access_token":"at","expires_in":60}""");
        });
        var provider = Provider(preset) with { TokenEndpoint = new Uri("https://provider.example/token"), AuthorizationEndpoint = new Uri("https://provider.example/authorize") };

        await client.RefreshAsync(provider, Endpoints(provider), "rt", ["a", "b"], CancellationToken.None);
        await client.RefreshAsync(provider, Endpoints(provider), "rt", null, CancellationToken.None);

        Assert.Equal(expected, System.Web.HttpUtility.ParseQueryString(forms[0])["scope"]);
        Assert.Null(System.Web.HttpUtility.ParseQueryString(forms[1])["scope"]);
    }

    [Theory]
    [InlineData("""{"sub":"248289761001","email":"jane@example.com","preferred_username":"jane"}""", "jane@example.com")]
    [InlineData("""{"sub":"248289761001","preferred_username":"jane"}""", "jane")]
    [InlineData("""{"sub":"248289761001"}""", "248289761001")]
    [InlineData("""{"sub":"a\u0000b\u001bc"}""", "abc")]
    [InlineData("""{"aud":"x"}""", null)]
    [InlineData("""["sub"]""", null)]
    public async Task The_account_that_consented_is_read_from_the_id_token_for_display(string claims, string? account)
    {
        var idToken = $"e30.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(claims)}.sig";
        var result = await RefreshAsync("google", HttpStatusCode.OK, $$"""{"access_token":"at","expires_in":3600,"id_token":"{{idToken}}"}""");

        Assert.Equal(account, result.Value!.Account);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.!!!.c")]
    [InlineData("a.bm90IGpzb24.c")]
    public async Task An_unreadable_id_token_names_no_account_and_fails_nothing(string idToken)
    {
        var result = await RefreshAsync("google", HttpStatusCode.OK, $$"""{"access_token":"at","expires_in":3600,"id_token":"{{idToken}}"}""");

        Assert.True(result.Succeeded);
        Assert.Null(result.Value!.Account);
    }

    private static async Task<Result<TokenGrant, TokenFailure>> RefreshAsync(string preset, HttpStatusCode status, string body, int? retryAfterSeconds = null)
    {
        var client = Client(_ =>
        {
            var response = Respond(status, body);
            if (retryAfterSeconds is { } seconds)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
            }

            return Task.FromResult(response);
        });
        var provider = Provider(preset);
        return await client.RefreshAsync(provider, Endpoints(provider), "rt", null, CancellationToken.None);
    }

    private static HttpResponseMessage Respond(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static ProviderDefinition Provider(string preset)
    {
        var options = new ProvidersOptions();
        options.Providers["p"] = new ProviderSettings { Preset = preset, ClientId = "c", ClientSecret = "s", Tenant = "common" };
        return new ProviderCatalog(Options.Create(options)).Find("p")!;
    }

    private static ProviderEndpoints Endpoints(ProviderDefinition provider) =>
        new(provider.AuthorizationEndpoint!, provider.TokenEndpoint!, provider.RevocationEndpoint, provider.Issuer, false);

    private static ProviderTokenClient Client(Func<HttpRequestMessage, Task<HttpResponseMessage>> respond) =>
        new(new StubHttpClientFactory(new StubHandler(respond)), UnsharedRateGovernor.Create(new FakeTimeProvider(Now)), new FakeTimeProvider(Now), NullLogger<ProviderTokenClient>.Instance);

    private sealed class StubHandler(Func<HttpRequestMessage, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => respond(request);
    }

    private sealed class StubHttpClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
