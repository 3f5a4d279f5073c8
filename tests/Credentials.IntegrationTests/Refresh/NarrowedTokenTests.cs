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

namespace Credentials.Tests.Refresh;

/// <summary>
/// Narrower tokens per call (RFC 6749 §6 <c>scope</c> on a refresh): the sandbox provider rotates refresh tokens with
/// reuse detection and issues a token of exactly the asked subset, which its introspection endpoint reports.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class NarrowedTokenTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private static readonly string[] ExtraScopes = ["sandbox.read", "sandbox.write"];
    private ConnectStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await ConnectStack.StartAsync(azurite);
        using var connected = await _stack.ConnectAsync(User, "files", scopes: ExtraScopes);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task A_narrower_token_has_only_the_asked_scopes_and_the_stored_token_and_its_rotation_stay_right()
    {
        var full = await TokenAsync();
        var refreshTokenBefore = await StoredRefreshTokenAsync();

        var narrowed = await TokenAsync("sandbox.read");

        Assert.Equal("offline_access sandbox.read sandbox.write", Sorted(full.GetProperty("scope").GetString()!));
        Assert.Equal("sandbox.read", narrowed.GetProperty("scope").GetString());
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        Assert.Equal("sandbox.read", _stack.Sandbox.RefreshScopeParameters.Single());
        var introspected = await _stack.Sandbox.IntrospectAsync(AccessToken(narrowed));
        Assert.Equal((true, "sandbox.read"), introspected);
        Assert.Equal("offline_access sandbox.read sandbox.write", Sorted((await _stack.Sandbox.IntrospectAsync(AccessToken(full))).Scope!));

        // The stored token is the full one, unchanged; the rotated refresh token was stored (the sandbox rotated it).
        Assert.Equal(AccessToken(full), AccessToken(await TokenAsync()));
        Assert.NotEqual(refreshTokenBefore, await StoredRefreshTokenAsync());
        var record = await _stack.RecordAsync(User, "files");
        Assert.Equal(AccessToken(full), await _stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadAccessTokenAsync(record, CancellationToken.None));
        Assert.Null(record.LeaseOwner);

        // Cached per scope set: the same narrower token again, no provider call.
        Assert.Equal(AccessToken(narrowed), AccessToken(await TokenAsync("sandbox.read")));
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        var audited = await _stack.Host.Services.GetRequiredService<AuditLog>().ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        Assert.Equal(2, audited.Where(e => e.Action == AuditActions.ReadAccessToken && e.Outcome == "served" && e.Reason!.EndsWith(" scope:sandbox.read issued:sandbox.read", StringComparison.Ordinal))
            .Sum(e => e.Rollup?.Count ?? 1));

        // A full refresh presents the stored (rotated) refresh token; had the rotation been lost, reuse detection would end the grant.
        await _stack.EditAsync(User, "files", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddSeconds(5) });
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the instance's snapshot of the record may be 2 s old
        var refreshed = await TokenAsync();
        Assert.NotEqual(AccessToken(full), AccessToken(refreshed));
        Assert.Equal((2, 0), (_stack.Sandbox.RefreshGrants, _stack.Sandbox.FailedRefreshGrants));
        Assert.Equal("offline_access sandbox.read sandbox.write", Sorted((await _stack.Sandbox.IntrospectAsync(AccessToken(refreshed))).Scope!));
        Assert.Equal(new[] { "sandbox.read", null }, _stack.Sandbox.RefreshScopeParameters.ToArray());
    }

    [Fact]
    public async Task Scope_order_and_repeats_do_not_matter_and_concurrent_callers_share_one_provider_call()
    {
        var tokens = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => TokenAsync(i % 2 == 0 ? "sandbox.write sandbox.read" : "sandbox.read sandbox.write sandbox.read")));

        Assert.Single(tokens.Select(AccessToken).Distinct());
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        Assert.Equal("sandbox.read sandbox.write", _stack.Sandbox.RefreshScopeParameters.Single());
        Assert.Equal("sandbox.read sandbox.write", Sorted((await _stack.Sandbox.IntrospectAsync(AccessToken(tokens[0]))).Scope!));
    }

    [Fact]
    public async Task A_narrower_and_a_full_refresh_at_once_take_turns_under_the_lease_and_never_present_one_refresh_token_twice()
    {
        // Both flights are in this instance; had they shared the instance's lease id, the second would present the refresh
        // token the first was rotating, and the sandbox's reuse detection would end the grant.
        await _stack.EditAsync(User, "files", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddSeconds(5) });
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the instance's snapshot of the record may be 2 s old
        _stack.Sandbox.TokenDelay = TimeSpan.FromMilliseconds(300);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => TokenAsync(i % 2 == 0 ? null : "sandbox.read")));

        Assert.Equal(2, _stack.Sandbox.RefreshGrants);
        Assert.Equal(0, _stack.Sandbox.FailedRefreshGrants);
        Assert.Equal(2, answers.Select(AccessToken).Distinct().Count());
        var record = await _stack.RecordAsync(User, "files");
        Assert.Equal((ConnectionStatus.Active, null), (record.Status, record.LeaseOwner));
        Assert.True(await _stack.Sandbox.IsRefreshTokenUsableAsync(await StoredRefreshTokenAsync()));
    }

    [Theory]
    [InlineData("sandbox.admin", "invalid_scope")]
    [InlineData("sandbox.read sandbox.admin", "invalid_scope")]
    [InlineData("sandbox.read\"", "invalid_scope")]
    [InlineData("%20", "invalid_scope")]
    public async Task A_scope_outside_the_grant_or_malformed_is_refused_before_any_provider_call(string scope, string code)
    {
        using var response = await SendAsync($"?scope={(scope == "%20" ? scope : Uri.EscapeDataString(scope))}");

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task Naming_exactly_the_grant_is_the_stored_token()
    {
        var full = await TokenAsync();

        var named = await TokenAsync("sandbox.write offline_access sandbox.read");

        Assert.Equal(AccessToken(full), AccessToken(named));
        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task A_provider_that_cannot_narrow_is_refused_with_its_code_and_never_asked()
    {
        var strict = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Providers:sandbox:ScopeNarrowing"] = "Unsupported" });

        using var response = await SendAsync("?scope=sandbox.read", strict);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "scope_narrowing_unsupported");
        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task A_multi_resource_request_the_provider_refuses_is_invalid_scope_and_the_connection_stays_active()
    {
        // As with Entra: a scope beyond the stored grant, of a resource the grant names (the sandbox's scopes name none, so
        // all are one resource), may be asked for, and the provider decides. The sandbox refuses a scope the user never
        // consented to.
        using (await _stack.ConnectAsync(User, "mail", scopes: ["sandbox.read"]))
        {
        }

        var entraLike = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Providers:sandbox:ScopeNarrowing"] = "MultiResource" });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/mail/access-token?scope=sandbox.write");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());

        using var response = await entraLike.Client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid_scope");
        Assert.Equal(("sandbox.write", 1), (_stack.Sandbox.RefreshScopeParameters.Single(), _stack.Sandbox.FailedRefreshGrants));
        var record = await _stack.RecordAsync(User, "mail");
        Assert.Equal((ConnectionStatus.Active, null, 0), (record.Status, record.LeaseOwner, record.ConsecutiveFailures));
        var secrets = _stack.Host.Services.GetRequiredService<ConnectionSecrets>();
        Assert.True(await _stack.Sandbox.IsRefreshTokenUsableAsync(await secrets.ReadRefreshTokenAsync(record, CancellationToken.None)));
    }

    [Fact]
    public async Task A_provider_answering_broader_than_asked_is_not_handed_out()
    {
        _stack.Sandbox.ForcedTokenBody = """{"access_token":"broad-token","token_type":"Bearer","expires_in":3600,"scope":"offline_access sandbox.read sandbox.write"}""";

        using var response = await SendAsync("?scope=sandbox.read");

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "provider_scope_too_broad");
        Assert.DoesNotContain("broad-token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        _stack.Sandbox.ForcedTokenBody = null;
        Assert.Equal(ConnectionStatus.Active, (await _stack.RecordAsync(User, "files")).Status);
        Assert.Null((await _stack.RecordAsync(User, "files")).LeaseOwner);
    }

    [Fact]
    public async Task The_token_exchange_narrows_with_its_scope_parameter()
    {
        var exchanged = await ExchangeAsync("sandbox.write");
        var outside = await ExchangeAsync("sandbox.admin");

        Assert.False(exchanged.IsError, exchanged.Raw);
        Assert.Equal("sandbox.write", exchanged.Scope);
        Assert.Equal((true, "sandbox.write"), await _stack.Sandbox.IntrospectAsync(exchanged.AccessToken!));
        Assert.Equal("sandbox.write", _stack.Sandbox.RefreshScopeParameters.Single());
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_scope"), (outside.HttpStatusCode, outside.Error));
    }

    private async Task<TokenResponse> ExchangeAsync(string scope) =>
        await _stack.Host.Client.RequestTokenExchangeTokenAsync(new TokenExchangeTokenRequest
        {
            Address = new Uri(_stack.Host.Client.BaseAddress!, "api/oauth/token").AbsoluteUri,
            SubjectToken = User,
            SubjectTokenType = TokenExchangeRequest.UserIdTokenType,
            Audience = "files",
            Scope = scope,
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken()) },
        });

    private static string AccessToken(JsonElement token) => token.GetProperty("accessToken").GetString()!;

    private static string Sorted(string scopes) => string.Join(' ', scopes.Split(' ').Order(StringComparer.Ordinal));

    private async Task<JsonElement> TokenAsync(string? scope = null)
    {
        using var response = await SendAsync(scope is null ? string.Empty : "?scope=" + Uri.EscapeDataString(scope));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<HttpResponseMessage> SendAsync(string query, RunningDevHost? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/files/access-token{query}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
        return await (host ?? _stack.Host).Client.SendAsync(request);
    }

    private async Task<string> StoredRefreshTokenAsync()
    {
        var record = await _stack.RecordAsync(User, "files");
        return await _stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(record, CancellationToken.None);
    }
}
