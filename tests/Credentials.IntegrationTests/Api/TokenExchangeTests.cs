using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.Api;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Api;

/// <summary>
/// RFC 8693 token exchange at <c>POST /api/oauth/token</c>, called the way a service would: with Duende.IdentityModel's
/// client, against the dev host, Azurite, the sandbox provider and the local Authress endpoint.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class TokenExchangeTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private ConnectStack _stack = null!;

    private HttpClient Client => _stack.Host.Client;

    public async Task InitializeAsync()
    {
        _stack = await ConnectStack.StartAsync(azurite);
        await _stack.ConnectAllAsync(User, "mail");
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task A_caller_with_credentials_read_gets_the_same_token_as_the_REST_route()
    {
        var exchanged = await ExchangeAsync(audience: "mail");

        Assert.False(exchanged.IsError, exchanged.Raw);
        Assert.Equal(await RestAccessTokenAsync("mail"), exchanged.AccessToken);
        Assert.Equal("urn:ietf:params:oauth:token-type:access_token", exchanged.IssuedTokenType);
        Assert.Equal("Bearer", exchanged.TokenType);
        Assert.InRange(exchanged.ExpiresIn, 3000, 3600);
        Assert.Equal("offline_access", exchanged.Scope);
        Assert.True(exchanged.HttpResponse!.Headers.CacheControl!.NoStore);
        Assert.DoesNotContain(await StoredRefreshTokenAsync("mail"), exchanged.Raw, StringComparison.Ordinal);
        var events = await _stack.Host.Services.GetRequiredService<AuditLog>().ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        Assert.Equal(2, events.Where(e => e.Action == AuditActions.ReadAccessToken && e.Outcome == "served" && e.Caller == ConnectStack.Caller)
            .Sum(e => e.Rollup?.Count ?? 1));
    }

    [Fact]
    public async Task The_caller_may_authenticate_with_an_actor_token_and_name_the_connection_as_a_resource()
    {
        var exchanged = await ExchangeAsync(resource: TokenExchangeRequest.ConnectionResourcePrefix + "mail", actorToken: _stack.CallerToken(), bearer: null);

        Assert.False(exchanged.IsError, exchanged.Raw);
        Assert.Equal(await RestAccessTokenAsync("mail"), exchanged.AccessToken);
    }

    [Fact]
    public async Task No_or_a_bad_caller_token_is_invalid_client_with_a_challenge()
    {
        var missing = await ExchangeAsync(audience: "mail", bearer: null);
        var forged = await ExchangeAsync(audience: "mail", bearer: _stack.CallerToken()[..^4] + "AAAA");

        // Duende reports a 401 as an HTTP error; the RFC 6749 body is still there.
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), (missing.HttpStatusCode, missing.Json?.GetProperty("error").GetString()));
        Assert.Equal("Bearer", missing.HttpResponse!.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), (forged.HttpStatusCode, forged.Json?.GetProperty("error").GetString()));
        Assert.Contains("invalid_token", forged.HttpResponse!.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_without_credentials_read_is_an_unauthorized_client_and_gets_no_token()
    {
        var refused = await ExchangeAsync(audience: "mail", bearer: _stack.CallerToken("sc_stranger"));

        Assert.Equal((HttpStatusCode.BadRequest, "unauthorized_client"), (refused.HttpStatusCode, refused.Error));
        Assert.Null(refused.AccessToken);
        Assert.Equal("forbidden", refused.Json?.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("grant_type", "client_credentials", "unsupported_grant_type")]
    [InlineData("subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "invalid_request")]
    [InlineData("audience", "no-such-connection", "invalid_target")]
    [InlineData("audience", "../mail", "invalid_request")]
    [InlineData("resource", "https://example.com/mail", "invalid_target")]
    [InlineData("scope", "offline_access calendar", "invalid_scope")]
    public async Task Each_bad_request_gets_its_RFC_6749_error(string parameter, string value, string error)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = TokenExchangeRequest.GrantType,
            ["subject_token"] = User,
            ["subject_token_type"] = TokenExchangeRequest.UserIdTokenType,
            ["audience"] = "mail",
        };
        if (parameter == "resource")
        {
            form.Remove("audience");
        }

        form[parameter] = value;
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/oauth/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_lost_grant_is_invalid_grant_with_the_services_own_code()
    {
        await _stack.EditAsync(User, "mail", record => record with { Status = ConnectionStatus.ReauthorizationRequired });
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the instance's snapshot of the record may be 2 s old

        var refused = await ExchangeAsync(audience: "mail");

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (refused.HttpStatusCode, refused.Error));
        Assert.Equal("reauthorization_required", refused.Json?.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_repeated_parameter_is_refused()
    {
        using var content = new StringContent(
            $"grant_type={Uri.EscapeDataString(TokenExchangeRequest.GrantType)}&subject_token={User}&subject_token={User}2" +
            $"&subject_token_type={Uri.EscapeDataString(TokenExchangeRequest.UserIdTokenType)}&audience=mail",
            System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/oauth/token") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_json_body_is_told_apart_from_a_malformed_form()
    {
        using var json = await PostTokenAsync(new StringContent("{\"grant_type\":\"x\"}", System.Text.Encoding.UTF8, "application/json"));

        var jsonError = await json.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", "unsupported_content_type"),
            (json.StatusCode, jsonError.GetProperty("error").GetString(), jsonError.GetProperty("code").GetString()));
        Assert.Contains("application/json", jsonError.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_connection_says_which_id_to_check()
    {
        var wrongConnection = await ExchangeAsync(audience: "calendar");
        var wrongUser = await ExchangeAsync(audience: "mail", user: "u1-typo");

        Assert.Equal(("invalid_target", "connection_not_found"), (wrongConnection.Error, wrongConnection.Json?.GetProperty("code").GetString()));
        Assert.Contains("check the connection id", wrongConnection.ErrorDescription, StringComparison.Ordinal);
        Assert.Equal(("invalid_target", "connection_not_found"), (wrongUser.Error, wrongUser.Json?.GetProperty("code").GetString()));
        Assert.Contains("has no connections at all", wrongUser.ErrorDescription, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PostTokenAsync(HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/oauth/token") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
        return await Client.SendAsync(request);
    }

    private async Task<TokenResponse> ExchangeAsync(string? audience = null, string? resource = null, string? actorToken = null, string? bearer = "",
        string user = User)
    {
        var request = new TokenExchangeTokenRequest
        {
            Address = new Uri(Client.BaseAddress!, "api/oauth/token").AbsoluteUri,
            SubjectToken = user,
            SubjectTokenType = TokenExchangeRequest.UserIdTokenType,
            Audience = audience,
            Resource = resource,
            ActorToken = actorToken,
            ActorTokenType = actorToken is null ? null : TokenExchangeRequest.JwtTokenType,
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer.Length == 0 ? _stack.CallerToken() : bearer);
        }

        return await Client.RequestTokenExchangeTokenAsync(request);
    }

    private async Task<string> RestAccessTokenAsync(string connectionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/{connectionId}/access-token");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
        using var response = await Client.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private async Task<string> StoredRefreshTokenAsync(string connectionId)
    {
        var record = await _stack.RecordAsync(User, connectionId);
        return await _stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(record, CancellationToken.None);
    }
}
