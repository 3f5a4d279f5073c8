using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.OAuthConnect;

// Longer than 250 lines on purpose: the connect flow's scenarios share one stack and its browser-less consent helpers.

/// <summary>The connect flow end to end: dev host, Azurite, local Authress and the sandbox OAuth provider over HTTP.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class ConnectFlowTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly string[] ReadScope = ["sandbox.read"];
    private ConnectStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ConnectStack.StartAsync(azurite);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Start_builds_the_provider_url_with_state_S256_challenge_exact_redirect_and_scopes()
    {
        using var response = await _stack.StartConnectionAsync("u1", new { provider = "sandbox", scopes = ReadScope });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sandbox", body.GetProperty("connectionId").GetString());
        Assert.Equal("sandbox", body.GetProperty("provider").GetString());
        Assert.True(body.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(9));
        var url = new Uri(body.GetProperty("authorizationUrl").GetString()!);
        Assert.Equal(new Uri(_stack.Sandbox.BaseAddress, "connect/authorize").AbsoluteUri, url.GetLeftPart(UriPartial.Path));
        var query = ConnectStack.QueryOf(url);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("credentials-service", query["client_id"]);
        Assert.Equal($"{_stack.Host.BaseAddress.AbsoluteUri.TrimEnd('/')}/api/oauth/callback/sandbox", query["redirect_uri"]);
        Assert.Equal("offline_access sandbox.read", query["scope"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal(43, query["code_challenge"].Length);
        Assert.True(query["state"].Length >= 43, "state carries at least 256 bits");
        var states = await _stack.RowsAsync(_stack.StatesTable);
        var state = Assert.Single(states);
        Assert.DoesNotContain(query["state"], Serialize(state), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Full_connect_stores_the_refresh_token_encrypted_and_redirects_to_the_return_url()
    {
        using var callback = await _stack.ConnectAsync("u1", "mail");

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.StartsWith(ConnectStack.ReturnBase + "done#status=pending&connectionId=mail&completion=", callback.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Empty(callback.Headers.Location.Query);
        Assert.True(ConnectStack.FragmentOf(callback.Headers.Location)["completion"].Length >= 43, "a completion code carries at least 256 bits");
        Assert.Equal("no-referrer", callback.Headers.GetValues("Referrer-Policy").Single());

        var store = _stack.Host.Services.GetRequiredService<ConnectionStore>();
        var record = await store.GetAsync(ConnectionKeys.Of("u1", "mail"), CancellationToken.None);
        Assert.NotNull(record);
        Assert.Equal(ConnectionStatus.Active, record.Status);
        Assert.Equal("sandbox", record.ProviderId);
        Assert.True(record.AccessTokenExpiresAt > DateTimeOffset.UtcNow.AddMinutes(50));

        var secrets = _stack.Host.Services.GetRequiredService<ConnectionSecrets>();
        var refreshToken = await secrets.ReadRefreshTokenAsync(record, CancellationToken.None);
        var accessToken = await secrets.ReadAccessTokenAsync(record, CancellationToken.None);
        Assert.NotNull(accessToken);
        // The connection's row (its status event's outbox row may still be there: the event is sent in the background).
        var raw = Serialize(Assert.Single(await _stack.RowsAsync(_stack.ConnectionsTable), row => !Functions.Connections.StatusEventOutbox.IsOutboxRow(row.RowKey)));
        Assert.DoesNotContain(refreshToken, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(accessToken, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(refreshToken)), raw, StringComparison.Ordinal);
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
        Assert.True(await _stack.Sandbox.IsRefreshTokenUsableAsync(refreshToken), "the stored refresh token is the one the provider issued");
    }

    [Fact]
    public async Task Without_a_return_url_the_callback_shows_a_self_contained_result_page()
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox" });
        using var callback = await _stack.FollowToCallbackAsync(await _stack.AuthorizeAtProviderAsync(url));

        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        Assert.Equal("text/html", callback.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", callback.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var page = await callback.Content.ReadAsStringAsync();
        Assert.Contains("Almost connected", page, StringComparison.Ordinal);
        Assert.Contains("If you did not start connecting an account yourself", page, StringComparison.Ordinal);
        var store = _stack.Host.Services.GetRequiredService<ConnectionStore>();
        Assert.Null(await store.GetAsync(ConnectionKeys.Of("u1", "sandbox"), CancellationToken.None));

        var completion = System.Text.RegularExpressions.Regex.Match(page, "<code id=\"completion\">([A-Za-z0-9_-]+)</code>").Groups[1].Value;
        using var completed = await _stack.CompleteAsync("u1", "sandbox", completion, cookie: ConnectStack.BindingCookieOf(callback));
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.NotNull(await store.GetAsync(ConnectionKeys.Of("u1", "sandbox"), CancellationToken.None));
    }

    [Fact]
    public async Task Reconnecting_replaces_the_tokens_of_the_existing_connection()
    {
        var store = _stack.Host.Services.GetRequiredService<ConnectionStore>();
        var secrets = _stack.Host.Services.GetRequiredService<ConnectionSecrets>();
        using (await _stack.ConnectAsync("u1", "crm"))
        {
        }

        var first = await store.GetAsync(ConnectionKeys.Of("u1", "crm"), CancellationToken.None);
        using var again = await _stack.ConnectAsync("u1", "crm");

        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        var second = await store.GetAsync(ConnectionKeys.Of("u1", "crm"), CancellationToken.None);
        Assert.NotEqual(await secrets.ReadRefreshTokenAsync(first!, CancellationToken.None), await secrets.ReadRefreshTokenAsync(second!, CancellationToken.None));
        Assert.Equal(first!.CreatedAt, second!.CreatedAt);
        Assert.Single(await _stack.RowsAsync(_stack.ConnectionsTable));
    }

    [Fact]
    public async Task A_replayed_callback_is_rejected_and_changes_nothing()
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", returnUrl = ConnectStack.ReturnBase });
        var callback = await _stack.AuthorizeAtProviderAsync(url);
        using (var first = await _stack.FollowToCallbackAsync(callback))
        {
            Assert.Equal("pending", ConnectStack.FragmentOf(first.Headers.Location!)["status"]);
        }

        var before = await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of("u1", "sandbox"), CancellationToken.None);
        using var replay = await _stack.FollowToCallbackAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Contains("invalid_state", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var after = await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of("u1", "sandbox"), CancellationToken.None);
        Assert.Null(before);
        Assert.Null(after);
        Assert.Single(await _stack.RowsAsync(_stack.StatesTable), row => row.RowKey == "pending");
    }

    [Fact]
    public async Task Concurrent_replays_of_one_callback_connect_exactly_once()
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", returnUrl = ConnectStack.ReturnBase });
        var callback = await _stack.AuthorizeAtProviderAsync(url);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _stack.FollowToCallbackAsync(callback)));

        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.Redirect && ConnectStack.FragmentOf(r.Headers.Location!).GetValueOrDefault("status") == "pending");
        Assert.Equal(1, accepted);
        Assert.Equal(1, _stack.Sandbox.CodeGrants);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_tampered_state_is_rejected_with_nothing_stored()
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", returnUrl = ConnectStack.ReturnBase });
        var callback = await _stack.AuthorizeAtProviderAsync(url);
        var state = ConnectStack.QueryOf(callback)["state"];
        var tampered = ConnectStack.WithQuery(callback, "state", (state[0] == 'A' ? 'B' : 'A') + state[1..]);

        using var response = await _stack.FollowToCallbackAsync(tampered);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_state", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(response.Headers.Location);
        Assert.Empty(await _stack.RowsAsync(_stack.ConnectionsTable));
        Assert.Single(await _stack.RowsAsync(_stack.StatesTable));
        Assert.Equal(0, _stack.Sandbox.CodeGrants);
    }

    [Fact]
    public async Task A_pkce_mismatch_fails_the_exchange_with_nothing_stored()
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", returnUrl = ConnectStack.ReturnBase });
        var forged = ConnectStack.WithQuery(url, "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");

        using var response = await _stack.FollowToCallbackAsync(await _stack.AuthorizeAtProviderAsync(forged));

        AssertRedirectError(response, "exchange_failed");
        await AssertNothingStoredAsync(codeGrants: 1);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/")]
    [InlineData(null)]
    public async Task A_wrong_or_missing_iss_is_rejected_with_nothing_stored(string? issuer)
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", returnUrl = ConnectStack.ReturnBase });
        var callback = await _stack.AuthorizeAtProviderAsync(url);
        Assert.Equal(_stack.Sandbox.Issuer.AbsoluteUri, ConnectStack.QueryOf(callback)["iss"]);

        using var response = await _stack.FollowToCallbackAsync(ConnectStack.WithQuery(callback, "iss", issuer));

        AssertRedirectError(response, "issuer_mismatch");
        await AssertNothingStoredAsync(codeGrants: 0);
    }

    [Fact]
    public async Task A_callback_on_another_providers_path_is_rejected_with_nothing_stored()
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", returnUrl = ConnectStack.ReturnBase });
        var callback = await _stack.AuthorizeAtProviderAsync(url);
        var elsewhere = new Uri(callback.AbsoluteUri.Replace("/oauth/callback/sandbox", "/oauth/callback/other", StringComparison.Ordinal));

        using var response = await _stack.FollowToCallbackAsync(elsewhere);

        AssertRedirectError(response, "provider_mismatch");
        await AssertNothingStoredAsync(codeGrants: 0);
    }

    [Fact]
    public async Task A_user_denying_at_the_provider_is_reported_with_nothing_stored()
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", returnUrl = ConnectStack.ReturnBase });
        var form = ConnectStack.QueryOf(url).ToDictionary(p => p.Key, p => p.Value);
        form["sandbox_decision"] = "deny";
        using var denied = await _stack.Browser.PostAsync(new Uri(url.GetLeftPart(UriPartial.Path)), new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Found, denied.StatusCode);
        Assert.Equal("access_denied", ConnectStack.QueryOf(denied.Headers.Location!)["error"]);

        using var response = await _stack.FollowToCallbackAsync(denied.Headers.Location!);

        AssertRedirectError(response, "access_denied");
        await AssertNothingStoredAsync(codeGrants: 0);
    }

    [Theory]
    [InlineData("https://evil.example/settings/")]
    [InlineData("https://app.example.com.evil.example/settings/")]
    [InlineData("https://app.example.com@evil.example/settings/")]
    [InlineData("https://app.example.com/settingsX")]
    [InlineData("https://app.example.com/other/")]
    [InlineData("http://app.example.com/settings/")]
    [InlineData("https://app.example.com:8443/settings/")]
    [InlineData("javascript:alert(1)")]
    [InlineData("//evil.example/settings/")]
    [InlineData("/settings/")]
    public async Task A_return_url_outside_the_allow_list_is_refused_before_anything_is_stored(string returnUrl)
    {
        using var response = await _stack.StartConnectionAsync("u1", new { provider = "sandbox", returnUrl });

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid_return_url");
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
    }

    [Theory]
    [InlineData("{\"provider\":\"nope\"}", "unknown_provider")]
    [InlineData("{\"provider\":\"sandbox\",\"scopes\":[\"admin\"]}", "invalid_scope")]
    [InlineData("{\"provider\":\"sandbox\",\"connectionId\":\"a/b\"}", "invalid_identifier")]
    [InlineData("{\"provider\":", "invalid_request")]
    [InlineData("[1,2]", "invalid_request")]
    [InlineData("{\"provider\":\"sandbox\",\"returnUrl\":\"https://app.example.com/settings/?pad=PADDING\"}", "invalid_request")]
    public async Task A_bad_start_request_gets_400_with_a_stable_code_and_stores_nothing(string body, string code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/users/u1/connections")
        {
            Content = new StringContent(body.Replace("PADDING", new string('x', 20_000), StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", _stack.CallerToken());
        using var response = await _stack.Host.Client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
    }

    [Fact]
    public async Task Starting_needs_credentials_create_on_the_user()
    {
        using var anonymous = await _stack.Host.Client.PostAsJsonAsync("api/users/u1/connections", new { provider = "sandbox" });
        using var stranger = await _stack.StartConnectionAsync("u1", new { provider = "sandbox" }, _stack.CallerToken("sc_stranger"));

        await ProblemAssert.IsAsync(anonymous, HttpStatusCode.Unauthorized, "authentication_required");
        await ProblemAssert.IsAsync(stranger, HttpStatusCode.Forbidden, "forbidden");
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
    }

    private async Task AssertNothingStoredAsync(int codeGrants)
    {
        Assert.Empty(await _stack.RowsAsync(_stack.ConnectionsTable));
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
        Assert.Equal(codeGrants, _stack.Sandbox.CodeGrants);
    }

    private static void AssertRedirectError(HttpResponseMessage response, string error)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(ConnectStack.ReturnBase, location.AbsoluteUri, StringComparison.Ordinal);
        var result = ConnectStack.FragmentOf(location);
        Assert.Equal(error, result["error"]);
        Assert.False(result.ContainsKey("status"));
    }

    private static string Serialize(TableEntity entity) =>
        string.Join('\n', entity.Select(pair => pair.Value switch
        {
            byte[] bytes => Convert.ToBase64String(bytes) + "\n" + Encoding.UTF8.GetString(bytes) + "\n" + Encoding.Latin1.GetString(bytes),
            BinaryData data => Convert.ToBase64String(data.ToArray()) + "\n" + Encoding.Latin1.GetString(data.ToArray()),
            var other => other?.ToString(),
        }));
}
