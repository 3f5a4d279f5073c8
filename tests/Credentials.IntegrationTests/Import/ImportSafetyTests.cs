using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Data.Tables;
using Credentials.Functions.Connections;
using Credentials.Functions.Maintenance;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Import;

/// <summary>
/// An import must never cost the grant it hands over: storage failing or slow after the provider rotated it, a crash
/// before it was proved, and a connect landing between the import's check and its write, against Azurite and the
/// sandbox provider (rotating refresh tokens, reuse detection on). docs/operations.md, importing existing grants.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ImportSafetyTests(AzuriteFixture azurite)
{
    private const string User = "u1";

    [Fact]
    public async Task Storage_failing_after_the_provider_rotated_the_grant_is_retried_and_the_grant_survives()
    {
        var writes = new ImportRowWrites("mail") { Fail = true, Faults = 3 };
        await using var stack = await StartAsync(writes);
        writes.ArmedWhen = () => stack.Sandbox.RefreshGrants > 0;
        var legacy = await stack.Sandbox.IssueRefreshTokenAsync("legacy-person");

        using var response = await ImportAsync(stack, legacy);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(3, writes.Faulted);
        Assert.Equal((1, 0, 0), (stack.Sandbox.RefreshGrants, stack.Sandbox.FailedRefreshGrants, stack.Sandbox.ReusedRefreshTokens));
        var stored = await stack.RecordAsync(User, "mail");
        Assert.Equal(ConnectionStatus.Active, stored.Status);
        Assert.Equal("valid", await stack.Sandbox.RefreshTokenStatusAsync(await RefreshTokenOfAsync(stack, stored)));
        Assert.Equal("redeemed", await stack.Sandbox.RefreshTokenStatusAsync(legacy));
    }

    [Fact]
    public async Task A_proof_slower_than_the_request_answers_202_pending_goes_on_and_the_same_import_then_sees_it_active()
    {
        var writes = new ImportRowWrites("mail") { DelayBeforeSending = TimeSpan.FromSeconds(6), Faults = 1 };
        await using var stack = await StartAsync(writes, new Dictionary<string, string?> { ["Refresh:ReadTimeout"] = "00:00:02" });
        writes.ArmedWhen = () => stack.Sandbox.RefreshGrants > 0;
        var legacy = await stack.Sandbox.IssueRefreshTokenAsync("legacy-person");

        using (var pending = await ImportAsync(stack, legacy))
        {
            Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
            Assert.NotNull(pending.Headers.RetryAfter);
            Assert.Equal("importing", (await pending.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        using (var read = await stack.ReadAccessTokenAsync(User, "mail"))
        {
            await ProblemAssert.IsAsync(read, HttpStatusCode.ServiceUnavailable, "refresh_busy");
        }

        await WaitUntilAsync(async () => (await stack.RecordAsync(User, "mail")).Status == ConnectionStatus.Active);
        using (var again = await ImportAsync(stack, legacy))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        using var served = await stack.ReadAccessTokenAsync(User, "mail");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal((1, 0, 0), (stack.Sandbox.RefreshGrants, stack.Sandbox.FailedRefreshGrants, stack.Sandbox.ReusedRefreshTokens));
    }

    [Fact]
    public async Task Storage_failing_before_the_proof_leaves_the_token_stored_unused_and_the_same_import_finishes_it()
    {
        // Every replace of the row fails: the pending row lands (an insert), the lease cannot be taken, so the provider is
        // never called, as after a crash between storing and proving.
        var writes = new ImportRowWrites("mail") { Fail = true, Faults = int.MaxValue, ReplacesOnly = true, ArmedWhen = () => true };
        await using var stack = await StartAsync(writes);
        var legacy = await stack.Sandbox.IssueRefreshTokenAsync("legacy-person");

        using (var failed = await ImportAsync(stack, legacy))
        {
            await ProblemAssert.IsAsync(failed, HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        }

        Assert.Equal("Importing", (await stack.RecordAsync(User, "mail")).Status.ToString());
        Assert.Equal(legacy, await RefreshTokenOfAsync(stack, await stack.RecordAsync(User, "mail")));
        Assert.Equal((0, "valid"), (stack.Sandbox.RefreshGrants, await stack.Sandbox.RefreshTokenStatusAsync(legacy)));

        writes.ArmedWhen = () => false;
        using var finished = await ImportAsync(stack, legacy);

        Assert.Equal(HttpStatusCode.Created, finished.StatusCode);
        var stored = await stack.RecordAsync(User, "mail");
        Assert.Equal(ConnectionStatus.Active, stored.Status);
        Assert.Equal("valid", await stack.Sandbox.RefreshTokenStatusAsync(await RefreshTokenOfAsync(stack, stored)));
        Assert.Equal((1, 0), (stack.Sandbox.RefreshGrants, stack.Sandbox.ReusedRefreshTokens));
    }

    [Fact]
    public async Task An_import_left_pending_is_proved_by_the_maintenance_walk_without_the_import_being_sent_again()
    {
        var writes = new ImportRowWrites("mail") { Fail = true, Faults = int.MaxValue, ReplacesOnly = true, ArmedWhen = () => true };
        await using var stack = await StartAsync(writes);
        var legacy = await stack.Sandbox.IssueRefreshTokenAsync("legacy-person");
        using (var failed = await ImportAsync(stack, legacy))
        {
            await ProblemAssert.IsAsync(failed, HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        }

        writes.ArmedWhen = () => false;
        await stack.EditAsync(User, "mail", r => r with { UpdatedAt = DateTimeOffset.UtcNow.AddMinutes(-2) });

        var report = await stack.Host.Services.GetRequiredService<MaintenanceRunner>().RunAsync(CancellationToken.None);

        Assert.Equal(1, report.Refreshed);
        var stored = await stack.RecordAsync(User, "mail");
        Assert.Equal("Active", stored.Status.ToString());
        Assert.Equal("valid", await stack.Sandbox.RefreshTokenStatusAsync(await RefreshTokenOfAsync(stack, stored)));
        Assert.Equal((1, 0, "redeemed"), (stack.Sandbox.RefreshGrants, stack.Sandbox.ReusedRefreshTokens, await stack.Sandbox.RefreshTokenStatusAsync(legacy)));
    }

    [Fact]
    public async Task A_connect_landing_between_the_imports_check_and_its_write_is_kept_and_the_import_answers_409()
    {
        ConnectStack? started = null;
        var writes = new ImportRowWrites("mail") { Faults = 1 };
        writes.BeforeFault = async () => await started!.ConnectAllAsync(User, "mail");
        await using var stack = started = await StartAsync(writes);
        writes.ArmedWhen = () => true;
        var legacy = await stack.Sandbox.IssueRefreshTokenAsync("legacy-person");

        using var lost = await ImportAsync(stack, legacy);

        await ProblemAssert.IsAsync(lost, HttpStatusCode.Conflict, "connection_in_use");
        Assert.Equal(1, writes.Faulted);
        var kept = await stack.RecordAsync(User, "mail");
        Assert.Null(kept.ImportFingerprint);
        Assert.Equal(ConnectionStatus.Active, kept.Status);
        Assert.Equal("valid", await stack.Sandbox.RefreshTokenStatusAsync(await RefreshTokenOfAsync(stack, kept)));
        Assert.Equal((0, "valid"), (stack.Sandbox.RefreshGrants, await stack.Sandbox.RefreshTokenStatusAsync(legacy)));
    }

    private async Task<ConnectStack> StartAsync(ImportRowWrites writes, IDictionary<string, string?>? settings = null)
    {
        var stack = await ConnectStack.StartAsync(azurite, settings: settings, configureServices: services =>
        {
            var options = new TableClientOptions();
            options.AddPolicy(writes, HttpPipelinePosition.PerCall);
            services.AddSingleton(azurite.CreateServiceClient(options));
        });
        writes.Table = stack.ConnectionsTable;
        return stack;
    }

    private static async Task<HttpResponseMessage> ImportAsync(ConnectStack stack, string refreshToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/users/{User}/connections/mail/import")
        {
            Content = JsonContent.Create(new { provider = ConnectStack.ProviderId, refreshToken }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.CallerToken(ConnectStack.Importer));
        return await stack.Host.Client.SendAsync(request);
    }

    private static async Task<string> RefreshTokenOfAsync(ConnectStack stack, ConnectionRecord record) =>
        await stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(record, CancellationToken.None);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }
}
