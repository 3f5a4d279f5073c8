using System.Net;
using Credentials.Functions.Connections;
using Credentials.Functions.Maintenance;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.OAuthConnect;

// Longer than 250 lines on purpose: every way a completion can be accepted, rejected or discarded, on one stack, so that
// the rules of docs/providers.md "Completing a connection" are read and changed together.

/// <summary>
/// The completion step that binds a connection to the user who consented: the callback stores tokens as pending, and
/// only the user the connection is for, signed in as themselves, activates them with the one-time code.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class CompletionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private ConnectStack _stack = null!;

    // Default lifetimes: the state lives 10 minutes, a pending connection 5 (Connect:CompletionLifetime).
    public async Task InitializeAsync() => _stack = await ConnectStack.StartAsync(azurite,
        configureServices: services => services.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task A_pending_connection_is_not_a_connection_until_its_user_completes_it()
    {
        var (connectionId, completion, cookie) = await ConsentAsync("u1", "mail");

        Assert.Null(await RecordAsync("u1", "mail"));
        using (var beforeCompletion = await ReadTokenAsync("u1", "mail"))
        {
            await ProblemAssert.IsAsync(beforeCompletion, HttpStatusCode.NotFound, "connection_not_found");
        }

        var pending = Assert.Single(await _stack.RowsAsync(_stack.StatesTable), row => row.RowKey == "pending");
        Assert.DoesNotContain(completion, pending.PartitionKey, StringComparison.Ordinal);

        using var completed = await _stack.CompleteAsync("u1", connectionId, completion, cookie: cookie);

        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal("no-store", completed.Headers.CacheControl?.ToString());
        Assert.Contains("\"status\":\"active\"", await completed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
        using var token = await ReadTokenAsync("u1", "mail");
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.Contains(await _stack.StatusEventsAsync(), e => e.GetProperty("newStatus").GetString() == "active");
    }

    [Fact]
    public async Task A_service_caller_may_not_complete_and_the_user_still_can()
    {
        var (connectionId, completion, cookie) = await ConsentAsync("u1", "mail");

        using var asService = await _stack.CompleteAsync("u1", connectionId, completion, _stack.CallerToken(), cookie);

        await ProblemAssert.IsAsync(asService, HttpStatusCode.Forbidden, "forbidden");
        Assert.Null(await RecordAsync("u1", "mail"));
        using var asUser = await _stack.CompleteAsync("u1", connectionId, completion, cookie: cookie);
        Assert.Equal(HttpStatusCode.OK, asUser.StatusCode);
    }

    [Fact]
    public async Task Another_user_may_not_complete_for_the_user()
    {
        var (connectionId, completion, cookie) = await ConsentAsync("u1", "mail");

        using var response = await _stack.CompleteAsync("u1", connectionId, completion, _stack.UserToken("u2"), cookie);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Null(await RecordAsync("u1", "mail"));
        Assert.Null(await RecordAsync("u2", "mail"));
    }

    [Fact]
    public async Task A_victim_who_consents_to_an_attackers_link_links_nothing_to_the_attacker()
    {
        // The attacker starts a connection for themselves and gets the victim's browser to consent; the redirect with the
        // completion code lands in the victim's browser, where the application is signed in as the victim.
        var (connectionId, completion, cookie) = await ConsentAsync("attacker", "mail");
        var revocationsBefore = _stack.Sandbox.Revocations;

        using var asVictim = await _stack.CompleteAsync("victim", connectionId, completion, cookie: cookie);
        using var asAttackerAfterwards = await _stack.CompleteAsync("attacker", connectionId, completion, cookie: cookie);

        await ProblemAssert.IsAsync(asVictim, HttpStatusCode.BadRequest, "invalid_completion");
        await ProblemAssert.IsAsync(asAttackerAfterwards, HttpStatusCode.BadRequest, "invalid_completion");
        Assert.Null(await RecordAsync("attacker", "mail"));
        Assert.Null(await RecordAsync("victim", "mail"));
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
        Assert.Equal(revocationsBefore + 1, _stack.Sandbox.Revocations);
    }

    [Fact]
    public async Task A_wrong_code_activates_nothing_and_leaves_the_right_one_usable()
    {
        var (connectionId, completion, cookie) = await ConsentAsync("u1", "mail");

        using var wrong = await _stack.CompleteAsync("u1", connectionId, completion[..^2] + "xx", cookie: cookie);
        using var empty = await _stack.CompleteAsync("u1", connectionId, "");
        using var oversized = await _stack.CompleteAsync("u1", connectionId, new string('a', 20_000));

        await ProblemAssert.IsAsync(wrong, HttpStatusCode.BadRequest, "invalid_completion");
        await ProblemAssert.IsAsync(empty, HttpStatusCode.BadRequest, "invalid_request");
        await ProblemAssert.IsAsync(oversized, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Null(await RecordAsync("u1", "mail"));
        using var right = await _stack.CompleteAsync("u1", connectionId, completion, cookie: cookie);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task A_replayed_code_is_refused_and_changes_nothing()
    {
        var (connectionId, completion, cookie) = await ConsentAsync("u1", "mail");
        using (var first = await _stack.CompleteAsync("u1", connectionId, completion, cookie: cookie))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var before = await RecordAsync("u1", "mail");
        var replays = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _stack.CompleteAsync("u1", connectionId, completion, cookie: cookie)));

        foreach (var replay in replays)
        {
            await ProblemAssert.IsAsync(replay, HttpStatusCode.BadRequest, "invalid_completion");
            replay.Dispose();
        }

        Assert.Equal(before!.ETag, (await RecordAsync("u1", "mail"))!.ETag);
    }

    [Fact]
    public async Task Concurrent_completions_with_one_code_activate_once()
    {
        var (connectionId, completion, cookie) = await ConsentAsync("u1", "mail");

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _stack.CompleteAsync("u1", connectionId, completion, cookie: cookie)));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.BadRequest));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_code_expires_five_minutes_after_consent_by_default_and_its_grant_is_revoked()
    {
        var (connectionId, completion, cookie) = await ConsentAsync("u1", "mail");
        var revocationsBefore = _stack.Sandbox.Revocations;
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        using var response = await _stack.CompleteAsync("u1", connectionId, completion, cookie: cookie);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "completion_expired");
        Assert.Null(await RecordAsync("u1", "mail"));
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
        Assert.Equal(revocationsBefore + 1, _stack.Sandbox.Revocations);
    }

    [Fact]
    public async Task A_reconnect_that_is_never_completed_leaves_the_active_connection_untouched()
    {
        await _stack.ConnectAllAsync("u1", "mail");
        var active = await RecordAsync("u1", "mail");

        var (_, completion, _) = await ConsentAsync("u1", "mail");

        var after = await RecordAsync("u1", "mail");
        Assert.Equal(active!.ETag, after!.ETag);
        using var token = await ReadTokenAsync("u1", "mail");
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.NotEmpty(completion);
    }

    [Fact]
    public async Task Maintenance_discards_pending_connections_nobody_completed_and_revokes_them()
    {
        await ConsentAsync("u1", "mail");
        await ConsentAsync("u2", "drive");
        var (_, fresh, _) = await ConsentAsync("u3", "mail");
        _time.Advance(TimeSpan.FromMinutes(3));
        var (_, stillValid, stillValidCookie) = await ConsentAsync("u4", "mail");
        _time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        var revocationsBefore = _stack.Sandbox.Revocations;

        var report = await _stack.Host.Services.GetRequiredService<MaintenanceRunner>().RunAsync(CancellationToken.None);

        Assert.Equal(3, report.ExpiredPendingDiscarded);
        Assert.Equal(revocationsBefore + 3, _stack.Sandbox.Revocations);
        Assert.Single(await _stack.RowsAsync(_stack.StatesTable), row => row.RowKey == "pending");
        using var completed = await _stack.CompleteAsync("u4", "mail", stillValid, cookie: stillValidCookie);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.NotEmpty(fresh);
    }

    [Fact]
    public async Task A_discarded_pending_connection_at_a_provider_whose_revocation_ends_the_grant_is_forgotten_not_revoked()
    {
        // The victim's live connection; then the victim consents to a flow and the code is presented on a wrong route.
        await _stack.ConnectAllAsync("u5", "mail");
        var (_, completion, cookie) = await ConsentAsync("u5", "mail2");
        var endsGrant = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Providers:sandbox:RevocationEndsGrant"] = "true" },
            services => services.AddSingleton<TimeProvider>(_time));
        var revocationsBefore = _stack.Sandbox.Revocations;

        using var request = new HttpRequestMessage(HttpMethod.Post, "api/users/u5/connections/not-mail2/complete")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { completion }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _stack.UserToken("u5"));
        request.Headers.Add("Cookie", cookie);
        using var rejected = await endsGrant.Client.SendAsync(request);

        await ProblemAssert.IsAsync(rejected, HttpStatusCode.BadRequest, "invalid_completion");
        Assert.Equal(revocationsBefore, _stack.Sandbox.Revocations);
        await endsGrant.Services.GetRequiredService<Functions.Audit.AuditLog>().FlushAsync(CancellationToken.None);
        Assert.Contains(await _stack.RowsAsync(_stack.AuditTable), row => row.GetString("Outcome") == "completion_rejected"
            && row.GetString("Reason") == "not_revoked:revocation_ends_grant");
        Assert.Equal(ConnectionStatus.Active, (await RecordAsync("u5", "mail"))!.Status);
    }

    [Fact]
    public async Task In_callback_mode_the_callback_connects_at_once_and_start_up_warns()
    {
        var logs = new CapturedLogs();
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Connect:Completion"] = "Callback" },
            configureServices: services => services.AddSingleton<ILoggerProvider>(logs));

        using var callback = await stack.ConnectAsync("u1", "mail");

        Assert.Equal(new Uri(ConnectStack.ReturnBase + "done#status=connected&connectionId=mail"), callback.Headers.Location);
        Assert.False(callback.Headers.Contains("Set-Cookie"));
        Assert.NotNull(await stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of("u1", "mail"), CancellationToken.None));
        Assert.Contains(logs.Messages, m => m.Contains("Connect:Completion is Callback", StringComparison.Ordinal));
    }

    /// <summary>Start for <paramref name="userId"/> and consent at the provider; returns what the return URL received and the binding cookie the browser got.</summary>
    private async Task<(string ConnectionId, string Completion, string? Cookie)> ConsentAsync(string userId, string connectionId)
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync(userId, new { provider = "sandbox", connectionId, returnUrl = ConnectStack.ReturnBase });
        using var callback = await _stack.FollowToCallbackAsync(await _stack.AuthorizeAtProviderAsync(url));
        var result = ConnectStack.FragmentOf(callback.Headers.Location!);
        Assert.Equal("pending", result["status"]);
        return (result["connectionId"], result["completion"], ConnectStack.BindingCookieOf(callback));
    }

    private Task<ConnectionRecord?> RecordAsync(string userId, string connectionId) =>
        _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(userId, connectionId), CancellationToken.None);

    private async Task<HttpResponseMessage> ReadTokenAsync(string userId, string connectionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{userId}/connections/{connectionId}/access-token");
        request.Headers.Authorization = new("Bearer", _stack.CallerToken());
        return await _stack.Host.Client.SendAsync(request);
    }
}
