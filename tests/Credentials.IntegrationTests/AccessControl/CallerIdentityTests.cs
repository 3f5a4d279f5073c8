using System.Net;
using System.Net.Http.Headers;
using Credentials.AuthressLocal;
using Credentials.Functions.Audit;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NSec.Cryptography;

namespace Credentials.Tests.AccessControl;

/// <summary>
/// Callers are who they claim for this service: a token made out to another audience is refused, and two trusted
/// issuers (two local Authress endpoints) issuing the same <c>sub</c> are two callers, in Authress, caches and audit.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class CallerIdentityTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Shared = "sc_shared";
    private const string PartnerPrefix = "partner|";
    private AuthressLocalServer _home = null!;
    private AuthressLocalServer _partner = null!;
    private RunningDevHost _host = null!;

    public async Task InitializeAsync()
    {
        var grants = new Grants
        {
            Roles = { ["reader"] = ["credentials:list"] },
            AccessRecords = { new AccessRecord { Users = [Shared], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users"] } },
        };
        var (accessKey, _) = TestAccessKeys.Create("sc_credentials_service");
        _home = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", grants);
        _home.AddServiceClient(accessKey);
        _partner = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", new Grants());
        _host = await RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:ConnectionsTable"] = "Conn" + Guid.NewGuid().ToString("N")[..10],
            ["Storage:AuditTable"] = "Audit" + Guid.NewGuid().ToString("N")[..10],
            ["Authentication:Issuers:0:Issuer"] = _home.BaseAddress.ToString(),
            ["Authentication:Issuers:0:Kind"] = "Authress",
            ["Authentication:Issuers:0:Audiences:0"] = AuthressLocalServer.DefaultUserAudience,
            ["Authentication:Issuers:1:Issuer"] = _partner.BaseAddress.ToString(),
            ["Authentication:Issuers:1:Kind"] = "Authress",
            ["Authentication:Issuers:1:Audiences:0"] = AuthressLocalServer.DefaultUserAudience,
            ["Authentication:Issuers:1:SubjectPrefix"] = PartnerPrefix,
            ["Authress:ApiBaseUrl"] = _home.BaseAddress.ToString(),
            ["Authress:AccessKey"] = accessKey,
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _partner.DisposeAsync();
        await _home.DisposeAsync();
    }

    [Fact]
    public async Task A_user_token_made_out_to_another_audience_or_to_none_is_401_invalid_token_audience()
    {
        var now = DateTimeOffset.UtcNow;
        var withoutAudience = _home.MintCustomToken(new Dictionary<string, object>
        {
            ["iss"] = _home.BaseAddress.GetLeftPart(UriPartial.Authority),
            ["sub"] = "person-1",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        });

        using var accepted = await ListAsync("person-1", _home.MintCallerToken("person-1", CallerTokenKind.User));
        using var otherApplication = await ListAsync("person-1", _home.MintCallerToken("person-1", CallerTokenKind.User, audience: "app_someone_else"));
        using var none = await ListAsync("person-1", withoutAudience);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        foreach (var refused in new[] { otherApplication, none })
        {
            await ProblemAssert.IsAsync(refused, HttpStatusCode.Unauthorized, "invalid_token_audience");
            Assert.Contains("error=\"invalid_token\"", refused.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
            Assert.Contains("audience", refused.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_grant_for_one_issuers_subject_does_not_authorize_the_same_subject_from_another_issuer_nor_share_its_cached_allow()
    {
        using var home = await ListAsync("u1", _home.MintCallerToken(Shared, CallerTokenKind.ServiceClient));
        using var partner = await ListAsync("u1", _partner.MintCallerToken(Shared, CallerTokenKind.ServiceClient), correlationId: "partner-shared-1");

        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        await ProblemAssert.IsAsync(partner, HttpStatusCode.Forbidden, "forbidden");
        // The home caller's allow was cached; the partner's request was not answered from it but asked Authress itself.
        Assert.Contains(_home.AuthorizeRequestTargets, target => target.StartsWith("/v1/users/partner%7Csc_shared/", StringComparison.Ordinal));
        var events = await _host.Services.GetRequiredService<AuditLog>().ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        var decision = Assert.Single(events, e => e.CorrelationId == "partner-shared-1");
        Assert.Equal(PartnerPrefix + Shared, decision.Caller);
        Assert.Equal("denied", decision.Outcome);
    }

    [Fact]
    public async Task A_user_of_another_issuer_is_not_self_service_for_the_user_of_the_same_sub_but_for_its_prefixed_id()
    {
        var token = _partner.MintCallerToken("person-2", CallerTokenKind.User);

        using var bare = await ListAsync("person-2", token);
        using var prefixed = await ListAsync(PartnerPrefix + "person-2", token);

        await ProblemAssert.IsAsync(bare, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, prefixed.StatusCode);
    }

    [Fact]
    public async Task A_bare_subject_that_looks_like_another_issuers_prefixed_one_is_401()
    {
        using var response = await ListAsync(PartnerPrefix + "person-2", _home.MintCallerToken(PartnerPrefix + "person-2", CallerTokenKind.User));

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "invalid_token");
    }

    private async Task<HttpResponseMessage> ListAsync(string userId, string token, string? correlationId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{userId}/connections");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (correlationId is not null)
        {
            request.Headers.Add("x-correlation-id", correlationId);
        }

        return await _host.Client.SendAsync(request);
    }
}
