using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.AuthressLocal;
using Credentials.Functions.Api;
using Credentials.Functions.Audit;
using Credentials.Tests.Support;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Refresh;

/// <summary>
/// A multi-resource provider (as Entra): the sandbox is set up as <c>MultiResource</c>, the user consented to three
/// resources, and the stored grant names only the first, as Entra's token response does. Callers may reach a resource
/// beyond the grant only when it is in <c>NarrowableResources</c> and they hold <c>credentials:resource.read</c> on it.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class MultiResourceNarrowingTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private const string Connection = "graph";
    private const string ArmReader = "sc_arm_reader";
    private const string Graph = "https://graph.sandbox.test/Mail.Read";
    private const string Arm = "https://arm.sandbox.test/user_impersonation";
    private const string Vault = "https://vault.sandbox.test/user_impersonation";
    private ConnectStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await ConnectStack.StartAsync(azurite, sandbox => { sandbox.Scopes.Add(Graph); sandbox.Scopes.Add(Arm); sandbox.Scopes.Add(Vault); },
            new Dictionary<string, string?>
            {
                [$"Providers:{ConnectStack.ProviderId}:ScopeNarrowing"] = "MultiResource",
                [$"Providers:{ConnectStack.ProviderId}:AllowedScopes:2"] = Graph,
                [$"Providers:{ConnectStack.ProviderId}:AllowedScopes:3"] = Arm,
                [$"Providers:{ConnectStack.ProviderId}:AllowedScopes:4"] = Vault,
                [$"Providers:{ConnectStack.ProviderId}:NarrowableResources:arm"] = "https://arm.sandbox.test",
                ["Storage:ConnectionSnapshotLifetime"] = "00:00:00",
            });
        var grants = _stack.Authress.Grants;
        lock (grants.AccessRecords)
        {
            grants.Roles["reader"] = ["credentials:read"];
            grants.Roles["arm-reader"] = ["credentials:resource.read"];
            grants.AccessRecords.Add(new AccessRecord { Users = [ArmReader], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users/*"] });
            grants.AccessRecords.Add(new AccessRecord
            {
                Users = [ArmReader],
                Roles = ["arm-reader"],
                Resources = [$"/user-credentials/refresh-tokens/users/{User}/connections/{Connection}/resources/arm"],
            });
        }

        using (await _stack.ConnectAsync(User, Connection, scopes: [Graph, Arm, Vault]))
        {
        }

        // Entra consents to every resource asked for at once, but its token response names only the first resource's scopes.
        await _stack.EditAsync(User, Connection, record => record with { Scopes = ["offline_access", Graph] });
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task A_resource_beyond_the_grant_and_not_listed_is_refused_before_the_provider_is_asked()
    {
        using var response = await SendAsync(Vault, ConnectStack.Caller);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "scope_resource_not_narrowable");
        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task A_listed_resource_needs_the_callers_permission_on_that_resource()
    {
        using var reader = await SendAsync(Arm, ConnectStack.Caller);
        var exchanged = await ExchangeAsync(Arm, ConnectStack.Caller);

        await ProblemAssert.IsAsync(reader, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal((HttpStatusCode.BadRequest, "unauthorized_client"), (exchanged.HttpStatusCode, exchanged.Error));
        Assert.Equal(0, _stack.Sandbox.RefreshGrants);

        var token = await TokenAsync(Arm, ArmReader);

        Assert.Equal(Arm, token.GetProperty("scope").GetString());
        Assert.Equal((true, Arm), await _stack.Sandbox.IntrospectAsync(token.GetProperty("accessToken").GetString()!));
        Assert.Equal(Arm, _stack.Sandbox.RefreshScopeParameters.Single());

        // The cached token is authorized per caller too: the reader is still refused, and the provider not asked again.
        using var again = await SendAsync(Arm, ConnectStack.Caller);
        await ProblemAssert.IsAsync(again, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task A_scope_of_the_grants_own_resource_needs_no_resource_permission()
    {
        var token = await TokenAsync(Graph, ConnectStack.Caller);

        Assert.Equal(Graph, token.GetProperty("scope").GetString());
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task The_hand_out_is_audited_with_the_scopes_the_provider_issued()
    {
        // As Entra does: every consented scope of the resource is in the token, more than was asked for.
        _stack.Sandbox.ForcedTokenBody = $$"""{"access_token":"arm-token","token_type":"Bearer","expires_in":3600,"scope":"{{Arm}} https://arm.sandbox.test/other"}""";

        var token = await TokenAsync(Arm, ArmReader);

        Assert.Equal($"{Arm} https://arm.sandbox.test/other", token.GetProperty("scope").GetString());
        var audited = await _stack.Host.Services.GetRequiredService<AuditLog>().ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        var handOut = Assert.Single(audited, e => e.Action == AuditActions.ReadAccessToken && e.Caller == ArmReader);
        Assert.Equal("served", handOut.Outcome);
        Assert.EndsWith($" scope:{Arm} issued:{Arm},https://arm.sandbox.test/other", handOut.Reason, StringComparison.Ordinal);
        Assert.Contains(audited, e => e.Action == AuditActions.Refresh && e.Outcome == "success"
            && e.Reason == $"narrowed;not_rotated;issued:{Arm},https://arm.sandbox.test/other");
    }

    [Fact]
    public async Task An_answer_for_another_resource_than_asked_is_not_handed_out()
    {
        _stack.Sandbox.ForcedTokenBody = $$"""{"access_token":"vault-token","token_type":"Bearer","expires_in":3600,"scope":"{{Vault}}"}""";

        using var response = await SendAsync(Arm, ArmReader);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "provider_scope_too_broad");
        Assert.DoesNotContain("vault-token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<TokenResponse> ExchangeAsync(string scope, string caller) =>
        await _stack.Host.Client.RequestTokenExchangeTokenAsync(new TokenExchangeTokenRequest
        {
            Address = new Uri(_stack.Host.Client.BaseAddress!, "api/oauth/token").AbsoluteUri,
            SubjectToken = User,
            SubjectTokenType = TokenExchangeRequest.UserIdTokenType,
            Audience = Connection,
            Scope = scope,
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken(caller)) },
        });

    private async Task<JsonElement> TokenAsync(string scope, string caller)
    {
        using var response = await SendAsync(scope, caller);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<HttpResponseMessage> SendAsync(string scope, string caller)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/{Connection}/access-token?scope={Uri.EscapeDataString(scope)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken(caller));
        return await _stack.Host.Client.SendAsync(request);
    }
}
