using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.SecretConnect;

/// <summary>
/// API-key and basic connections end to end: submitted by the user, used through the proxy against the sandbox
/// provider's keyed and basic APIs, rotated, checked by the maintenance walk's probe, never handed out by default.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class SecretConnectionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private ConnectStack _stack = null!;

    public async Task InitializeAsync() => _stack = await SecretStack.StartAsync(azurite);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task An_api_key_the_user_submits_reaches_the_providers_API_through_the_proxy_in_its_header()
    {
        _stack.Sandbox.Options.ApiKeys["key-one"] = "keyed-user";

        using var submitted = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "key-one" });
        // A header of the secret's name that the caller sends is replaced, never passed on.
        using var proxied = await _stack.ProxyGetAsync(User, "crm", "me", request => request.Headers.Add("X-Api-Key", "forged"));

        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var metadata = await submitted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("api_key", metadata.GetProperty("kind").GetString());
        Assert.Equal("active", metadata.GetProperty("status").GetString());
        Assert.DoesNotContain("key-one", metadata.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        var me = await proxied.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("keyed-user", me.GetProperty("sub").GetString());
        Assert.Equal("/keyed/me", me.GetProperty("path").GetString());
        Assert.Equal(string.Empty, me.GetProperty("authorization").GetString());
        var record = await _stack.RecordAsync(User, "crm");
        Assert.Equal(CredentialKind.ApiKey, record.Kind);
        Assert.Null(record.AccessTokenEnvelope);
        var row = Assert.Single(await _stack.RowsAsync(_stack.ConnectionsTable));
        Assert.DoesNotContain(row, pair => pair.Value is string text && text.Contains("key-one", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Basic_credentials_reach_the_providers_API_through_the_proxy_as_HTTP_basic()
    {
        _stack.Sandbox.Options.BasicUsers["ana"] = "pä55:word";

        using var submitted = await _stack.SubmitAsync(User, "ledger", new { provider = SecretStack.Basic, username = "ana", password = "pä55:word" });
        using var proxied = await _stack.ProxyGetAsync(User, "ledger", "accounts");

        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        var answer = await proxied.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ana", answer.GetProperty("sub").GetString());
        Assert.Equal("/basic/accounts", answer.GetProperty("path").GetString());
        Assert.Equal(CredentialKind.Basic, (await _stack.RecordAsync(User, "ledger")).Kind);
    }

    [Fact]
    public async Task A_second_submission_replaces_the_secret_and_the_old_one_is_gone()
    {
        _stack.Sandbox.Options.ApiKeys["old-key"] = "keyed-user";
        _stack.Sandbox.Options.ApiKeys["new-key"] = "keyed-user-rotated";
        using var first = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "old-key" });
        await _stack.WaitForStatusEventsAsync(1);
        await _stack.ClearStatusEventsAsync();

        using var second = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "new-key" }, _stack.CallerToken());
        _stack.Sandbox.Options.ApiKeys.TryRemove("old-key", out _);
        using var proxied = await _stack.ProxyGetAsync(User, "crm", "me");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var answer = await second.Content.ReadAsStringAsync();
        Assert.DoesNotContain("new-key", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("old-key", answer, StringComparison.Ordinal);
        Assert.Equal("keyed-user-rotated", (await proxied.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sub").GetString());
        var stored = await _stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadSecretAsync(await _stack.RecordAsync(User, "crm"), CancellationToken.None);
        Assert.Equal("new-key", stored);
        Assert.Empty(await _stack.WaitForStatusEventsAsync(0)); // active stays active: a rotation is no status change
    }

    [Fact]
    public async Task A_secret_the_probe_refuses_in_the_maintenance_walk_needs_reauthorization_with_one_status_event()
    {
        _stack.Sandbox.Options.ApiKeys["doomed"] = "keyed-user";
        using var submitted = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "doomed" });
        await _stack.WaitForStatusEventsAsync(1);
        await _stack.ClearStatusEventsAsync();
        _stack.Sandbox.Options.ApiKeys.TryRemove("doomed", out _);
        await _stack.EditAsync(User, "crm", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddDays(-2) });

        var report = await _stack.RunMaintenanceAsync();
        var again = await _stack.RunMaintenanceAsync();

        Assert.Equal(1, report.MarkedForReauthorization);
        Assert.Equal(0, report.Refreshed);
        Assert.Equal(0, again.MarkedForReauthorization);
        var record = await _stack.RecordAsync(User, "crm");
        Assert.Equal(ConnectionStatus.ReauthorizationRequired, record.Status);
        Assert.Equal("secret_rejected", record.LastErrorCode);
        var statusEvent = Assert.Single(await _stack.StatusEventsAsync());
        Assert.Equal("crm", statusEvent.GetProperty("connectionId").GetString());
        Assert.Equal(SecretStack.Keyed, statusEvent.GetProperty("provider").GetString());
        Assert.Equal("active", statusEvent.GetProperty("oldStatus").GetString());
        Assert.Equal("reauthorization_required", statusEvent.GetProperty("newStatus").GetString());
        Assert.Equal("secret_rejected", statusEvent.GetProperty("reason").GetString());
        Assert.DoesNotContain("doomed", statusEvent.GetRawText(), StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the instance's snapshot of the record may be 2 s old
        using var proxied = await _stack.ProxyGetAsync(User, "crm", "me");
        await ProblemAssert.IsAsync(proxied, HttpStatusCode.Conflict, "reauthorization_required");

        _stack.Sandbox.Options.ApiKeys["fresh"] = "keyed-user";
        using var resubmitted = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "fresh" });
        Assert.Equal(HttpStatusCode.OK, resubmitted.StatusCode);
        Assert.Equal(ConnectionStatus.Active, (await _stack.RecordAsync(User, "crm")).Status);
    }

    [Fact]
    public async Task A_secret_still_accepted_is_only_probed_once_its_interval_is_over()
    {
        _stack.Sandbox.Options.ApiKeys["kept"] = "keyed-user";
        using var submitted = await _stack.SubmitAsync(User, "crm", new { provider = SecretStack.Keyed, secret = "kept" });
        var before = await _stack.RecordAsync(User, "crm");

        await _stack.RunMaintenanceAsync();
        Assert.Equal(before.ETag, (await _stack.RecordAsync(User, "crm")).ETag);

        await _stack.EditAsync(User, "crm", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddDays(-2) });
        var report = await _stack.RunMaintenanceAsync();

        Assert.Equal((0, 0), (report.MarkedForReauthorization, report.Failed));
        var after = await _stack.RecordAsync(User, "crm");
        Assert.Equal(ConnectionStatus.Active, after.Status);
        Assert.True(after.LastRefreshSucceededAt > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
    }
}
