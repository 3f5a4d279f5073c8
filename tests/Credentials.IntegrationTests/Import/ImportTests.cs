using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Credentials.Tests.Import;

/// <summary>
/// Importing a grant an older system holds, against the sandbox provider with rotating refresh tokens and reuse
/// detection on: what the provider sees (its counters and the token's own status) and what the service stores.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ImportTests(AzuriteFixture azurite) : IAsyncLifetime, IDisposable
{
    private const string User = "u1";
    private static readonly string[] LegacyScopes = ["offline_access", "sandbox.read"];
    private readonly CapturedLogs _logs = new();
    private ConnectStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ConnectStack.StartAsync(azurite, configureServices: services => services.AddSingleton<ILoggerProvider>(_logs));

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task An_imported_grant_is_proved_by_one_refresh_the_old_token_dies_the_new_one_is_stored_and_no_reuse_is_detected()
    {
        var legacy = await _stack.Sandbox.IssueRefreshTokenAsync("legacy-person", "offline_access", "sandbox.read");

        using var response = await ImportAsync("mail", new { provider = "sandbox", refreshToken = legacy, scopes = LegacyScopes });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("active", body.GetProperty("status").GetString());
        Assert.Equal("sandbox", body.GetProperty("provider").GetString());
        Assert.DoesNotContain(legacy, body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal((1, 0, 0), (_stack.Sandbox.RefreshGrants, _stack.Sandbox.FailedRefreshGrants, _stack.Sandbox.ReusedRefreshTokens));
        Assert.Equal("redeemed", await _stack.Sandbox.RefreshTokenStatusAsync(legacy));
        var stored = await StoredRefreshTokenAsync("mail");
        Assert.NotEqual(legacy, stored);
        Assert.Equal("valid", await _stack.Sandbox.RefreshTokenStatusAsync(stored));

        // The imported connection serves, from the tokens the proving refresh issued, without another refresh.
        using var read = await _stack.ReadAccessTokenAsync(User, "mail");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        Assert.Equal(0, _stack.Sandbox.ReusedRefreshTokens);
        var audit = await _stack.Host.Services.GetRequiredService<AuditLog>().ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        Assert.Contains(audit, e => e.Action == AuditActions.Import && e.Outcome == "imported" && e.Caller == ConnectStack.Importer && e.ConnectionId == "mail");
        Assert.DoesNotContain(_logs.Messages, m => m.Contains(legacy, StringComparison.Ordinal) || m.Contains(stored, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_import_sent_again_changes_nothing_and_never_presents_the_rotated_token_again()
    {
        var legacy = await _stack.Sandbox.IssueRefreshTokenAsync("legacy-person");
        using (var first = await ImportAsync("mail", new { provider = "sandbox", refreshToken = legacy }))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var stored = await StoredRefreshTokenAsync("mail");

        using var again = await ImportAsync("mail", new { provider = "sandbox", refreshToken = legacy, replace = true });

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((1, 0), (_stack.Sandbox.RefreshGrants, _stack.Sandbox.ReusedRefreshTokens));
        Assert.Equal(stored, await StoredRefreshTokenAsync("mail"));
        Assert.Equal("valid", await _stack.Sandbox.RefreshTokenStatusAsync(stored));
    }

    [Fact]
    public async Task An_active_connection_is_never_overwritten_unless_the_import_asks_to_replace_it()
    {
        await _stack.ConnectAllAsync(User, "mail");
        var connected = await StoredRefreshTokenAsync("mail");
        var legacy = await _stack.Sandbox.IssueRefreshTokenAsync("legacy-person");

        using (var refused = await ImportAsync("mail", new { provider = "sandbox", refreshToken = legacy }))
        {
            await ProblemAssert.IsAsync(refused, HttpStatusCode.Conflict, "connection_in_use");
        }

        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
        Assert.Equal("valid", await _stack.Sandbox.RefreshTokenStatusAsync(legacy));
        Assert.Equal(connected, await StoredRefreshTokenAsync("mail"));

        using var replaced = await ImportAsync("mail", new { provider = "sandbox", refreshToken = legacy, replace = true });

        Assert.Equal(HttpStatusCode.Created, replaced.StatusCode);
        Assert.NotEqual(connected, await StoredRefreshTokenAsync("mail"));
        Assert.Equal(1, _stack.Sandbox.Revocations);
        Assert.Equal(0, _stack.Sandbox.ReusedRefreshTokens);
    }

    [Fact]
    public async Task A_caller_without_credentials_import_gets_403_and_the_token_is_not_used()
    {
        var legacy = await _stack.Sandbox.IssueRefreshTokenAsync("legacy-person");

        using (var service = await ImportAsync("mail", new { provider = "sandbox", refreshToken = legacy }, _stack.CallerToken(ConnectStack.Caller)))
        {
            await ProblemAssert.IsAsync(service, HttpStatusCode.Forbidden, "forbidden");
        }

        using (var self = await ImportAsync("mail", new { provider = "sandbox", refreshToken = legacy }, _stack.UserToken(User)))
        {
            await ProblemAssert.IsAsync(self, HttpStatusCode.Forbidden, "forbidden");
        }

        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
        Assert.Equal("valid", await _stack.Sandbox.RefreshTokenStatusAsync(legacy));
        Assert.Null(await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(User, "mail"), CancellationToken.None));
    }

    [Fact]
    public async Task Bad_input_and_a_dead_grant_are_problems_with_stable_codes_and_store_nothing()
    {
        using (var missing = await ImportAsync("mail", new { provider = "sandbox" }))
        {
            await ProblemAssert.IsAsync(missing, HttpStatusCode.BadRequest, "invalid_request");
        }

        using (var unknown = await ImportAsync("mail", new { provider = "nope", refreshToken = "abc" }))
        {
            await ProblemAssert.IsAsync(unknown, HttpStatusCode.BadRequest, "unknown_provider");
        }

        using (var malformed = await ImportAsync("mail", "{\"provider\": \"sandbox\", \"refreshToken\": 5}"))
        {
            await ProblemAssert.IsAsync(malformed, HttpStatusCode.BadRequest, "invalid_request");
        }

        var revoked = await _stack.Sandbox.IssueRefreshTokenAsync("gone-person");
        await _stack.Sandbox.RevokeGrantsOfAsync("gone-person");
        using (var dead = await ImportAsync("mail", new { provider = "sandbox", refreshToken = revoked }))
        {
            await ProblemAssert.IsAsync(dead, HttpStatusCode.UnprocessableEntity, "import_grant_rejected");
        }

        Assert.Null(await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(User, "mail"), CancellationToken.None));
        Assert.DoesNotContain(_logs.Messages, m => m.Contains(revoked, StringComparison.Ordinal));
    }

    private async Task<HttpResponseMessage> ImportAsync(string connectionId, object body, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/users/{User}/connections/{connectionId}/import")
        {
            Content = body is string json ? new StringContent(json, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? _stack.CallerToken(ConnectStack.Importer));
        return await _stack.Host.Client.SendAsync(request);
    }

    private async Task<string> StoredRefreshTokenAsync(string connectionId) =>
        await _stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(await _stack.RecordAsync(User, connectionId), CancellationToken.None);
}
