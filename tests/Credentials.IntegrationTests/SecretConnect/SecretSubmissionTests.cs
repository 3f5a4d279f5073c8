using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.Api;
using Credentials.Tests.Support;

namespace Credentials.Tests.SecretConnect;

/// <summary>
/// Who may submit a secret, what is refused (each as problem+json with nothing written), and the hand-out of a stored
/// secret, off unless the provider allows it, on the REST route and the token exchange alike.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class SecretSubmissionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private ConnectStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await SecretStack.StartAsync(azurite);
        _stack.Sandbox.Options.ApiKeys["good-key"] = "keyed-user";
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Only_the_user_or_an_administrator_with_create_may_submit()
    {
        using var proxyService = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "good-key" }, _stack.CallerToken(ConnectStack.ProxyCaller));
        using var otherUser = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "good-key" }, _stack.UserToken("u2"));
        using var anonymous = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "good-key" }, "not-a-token");

        await ProblemAssert.IsAsync(proxyService, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(otherUser, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Empty(await _stack.RowsAsync(_stack.ConnectionsTable));

        using var administrator = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "good-key" }, _stack.CallerToken());
        Assert.Equal(HttpStatusCode.Created, administrator.StatusCode);
    }

    public static TheoryData<string, object, HttpStatusCode, string> BadSubmissions => new()
    {
        { "empty secret", new { provider = SecretStack.Keyed, secret = "" }, HttpStatusCode.BadRequest, "invalid_secret" },
        { "no secret", new { provider = SecretStack.Keyed }, HttpStatusCode.BadRequest, "invalid_secret" },
        { "oversize secret", new { provider = SecretStack.Keyed, secret = new string('k', 4097) }, HttpStatusCode.BadRequest, "invalid_secret" },
        { "a line break", new { provider = SecretStack.Keyed, secret = "good-key\r\nX-Admin: 1" }, HttpStatusCode.BadRequest, "invalid_secret" },
        { "basic fields for an API key", new { provider = SecretStack.Keyed, username = "ana", password = "p" }, HttpStatusCode.BadRequest, "invalid_secret" },
        { "an API key for basic", new { provider = SecretStack.Basic, secret = "good-key" }, HttpStatusCode.BadRequest, "invalid_secret" },
        { "a colon in the user name", new { provider = SecretStack.Basic, username = "a:b", password = "p" }, HttpStatusCode.BadRequest, "invalid_secret" },
        { "an empty password", new { provider = SecretStack.Basic, username = "ana", password = "" }, HttpStatusCode.BadRequest, "invalid_secret" },
        { "an OAuth provider", new { provider = ConnectStack.ProviderId, secret = "good-key" }, HttpStatusCode.BadRequest, "invalid_secret" },
        { "an unknown provider", new { provider = "nope", secret = "good-key" }, HttpStatusCode.BadRequest, "unknown_provider" },
        { "no provider", new { secret = "good-key" }, HttpStatusCode.BadRequest, "invalid_request" },
        { "a key the probe refuses", new { provider = SecretStack.Keyed, secret = "wrong-key" }, HttpStatusCode.BadRequest, "secret_rejected" },
    };

    [Theory]
    [MemberData(nameof(BadSubmissions))]
    public async Task A_bad_submission_is_a_problem_and_nothing_is_written(string why, object body, HttpStatusCode status, string code)
    {
        using var response = await _stack.SubmitAsync(User, "crm", body);

        Assert.True(response.StatusCode == status, why);
        await ProblemAssert.IsAsync(response, status, code);
        Assert.Empty(await _stack.RowsAsync(_stack.ConnectionsTable));
    }

    [Fact]
    public async Task An_oversize_body_or_one_that_is_not_JSON_is_a_problem_and_nothing_is_written()
    {
        using var oversize = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = new string('k', JsonBody.MaxBytes) });
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/users/{User}/connections/crm/secret") { Content = new StringContent("secret=good-key") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.UserToken(User));
        using var notJson = await _stack.Host.Client.SendAsync(request);

        await ProblemAssert.IsAsync(oversize, HttpStatusCode.BadRequest, "invalid_request");
        await ProblemAssert.IsAsync(notJson, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Empty(await _stack.RowsAsync(_stack.ConnectionsTable));
    }

    [Fact]
    public async Task An_OAuth_connection_is_never_overwritten_by_a_secret()
    {
        await _stack.ConnectAllAsync(User, "mail");
        var before = await _stack.RecordAsync(User, "mail");

        using var response = await _stack.SubmitAsync(User, "mail", new { provider = SecretStack.Keyed, secret = "good-key" });

        await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, "connection_kind_mismatch");
        Assert.Equal(before.ETag, (await _stack.RecordAsync(User, "mail")).ETag);
    }

    [Fact]
    public async Task A_secret_is_not_handed_out_unless_its_provider_allows_it()
    {
        using var keyed = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "good-key" });
        using var handout = await _stack.SubmitAsync(User, "open", new { provider = SecretStack.KeyedHandout, secret = "open-key" });

        using var refused = await _stack.ReadAccessTokenAsync(User, "crm");
        using var exchanged = await ExchangeAsync("crm");
        using var allowed = await _stack.ReadAccessTokenAsync(User, "open");

        await ProblemAssert.IsAsync(refused, HttpStatusCode.Forbidden, "secret_handout_disabled");
        Assert.DoesNotContain("good-key", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, exchanged.StatusCode);
        var error = await exchanged.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unauthorized_client", error.GetProperty("error").GetString());
        Assert.Equal("secret_handout_disabled", error.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var token = await allowed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("open-key", token.GetProperty("accessToken").GetString());
        Assert.Equal("api_key", token.GetProperty("tokenType").GetString());
    }

    [Fact]
    public async Task After_a_rotation_the_new_secret_is_handed_out_and_the_old_one_is_never_returned()
    {
        using var first = await _stack.SubmitAsync(User, "open", new { provider = SecretStack.KeyedHandout, secret = "old-open-key" });
        using var before = await _stack.ReadAccessTokenAsync(User, "open");

        using var rotated = await _stack.SubmitAsync(User, "open", new { provider = SecretStack.KeyedHandout, secret = "new-open-key" }, _stack.CallerToken());
        using var after = await _stack.ReadAccessTokenAsync(User, "open");
        using var exchanged = await ExchangeAsync("open");
        using var metadata = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/open");
        metadata.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
        using var read = await _stack.Host.Client.SendAsync(metadata);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first.StatusCode, rotated.StatusCode));
        Assert.Equal("old-open-key", (await before.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        Assert.Equal("new-open-key", (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        Assert.Equal("new-open-key", (await exchanged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        foreach (var answer in new[] { rotated, after, exchanged, read })
        {
            Assert.DoesNotContain("old-open-key", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    private async Task<HttpResponseMessage> ExchangeAsync(string connectionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/oauth/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = TokenExchangeRequest.GrantType,
                ["subject_token"] = User,
                ["subject_token_type"] = TokenExchangeRequest.UserIdTokenType,
                ["audience"] = connectionId,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
        return await _stack.Host.Client.SendAsync(request);
    }
}
