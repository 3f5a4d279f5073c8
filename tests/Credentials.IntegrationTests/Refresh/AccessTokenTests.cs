using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Refresh;

// Longer than 250 lines on purpose: the token read's scenarios share one stack (dev host, Azurite, sandbox provider,
// Authress endpoint) and its helpers; split files would repeat the setup.

/// <summary>
/// The access-token API and the refresh engine against the sandbox provider with rotating refresh tokens and reuse
/// detection on, counted at the provider.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class AccessTokenTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private ConnectStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ConnectStack.StartAsync(azurite,
        settings: new Dictionary<string, string?> { ["Refresh:ProviderRetryDelay"] = "00:00:00.050" });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task A_fresh_stored_token_is_served_without_calling_the_provider()
    {
        await ConnectAsync("mail");

        var first = await GetTokenAsync("mail");
        var second = await GetTokenAsync("mail");

        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
        Assert.Equal(first.GetProperty("accessToken").GetString(), second.GetProperty("accessToken").GetString());
        Assert.Equal("Bearer", first.GetProperty("tokenType").GetString());
        Assert.Equal("mail", first.GetProperty("connectionId").GetString());
        Assert.Equal("sandbox", first.GetProperty("provider").GetString());
        Assert.Equal("offline_access", first.GetProperty("scope").GetString());
        Assert.True(first.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
        var refreshToken = await StoredRefreshTokenAsync("mail");
        Assert.DoesNotContain(refreshToken, first.GetRawText(), StringComparison.Ordinal);
        Assert.False(first.TryGetProperty("refreshToken", out _));
    }

    [Fact]
    public async Task The_response_is_not_cacheable_and_every_read_is_audited()
    {
        await ConnectAsync("mail");
        using var response = await SendAsync(_stack.Host, "mail");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        var events = await _stack.Host.Services.GetRequiredService<AuditLog>().ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        Assert.Contains(events, e => e.Action == AuditActions.ReadAccessToken && e.Outcome == "served" && e.Caller == ConnectStack.Caller && e.ConnectionId == "mail");
    }

    [Fact]
    public async Task Min_validity_forces_a_refresh_only_when_the_token_would_not_last()
    {
        await ConnectAsync("mail");
        var before = await GetTokenAsync("mail");
        var refreshTokenBefore = await StoredRefreshTokenAsync("mail");
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(2));

        var enough = await GetTokenAsync("mail", minValiditySeconds: 60);
        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
        Assert.Equal(before.GetProperty("accessToken").GetString(), enough.GetProperty("accessToken").GetString());

        var refreshed = await GetTokenAsync("mail", minValiditySeconds: 600);
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        Assert.NotEqual(before.GetProperty("accessToken").GetString(), refreshed.GetProperty("accessToken").GetString());
        Assert.True(refreshed.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.NotEqual(refreshTokenBefore, await StoredRefreshTokenAsync("mail"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("3601")]
    [InlineData("ten")]
    public async Task An_out_of_range_min_validity_is_a_400(string value)
    {
        await ConnectAsync("mail");
        using var response = await SendAsync(_stack.Host, "mail", value);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task A_hundred_concurrent_requests_for_an_expired_token_make_one_refresh()
    {
        await ConnectAsync("mail");
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(-1));
        _stack.Sandbox.TokenDelay = TimeSpan.FromMilliseconds(300);

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => SendAsync(_stack.Host, "mail")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        Assert.Equal(0, _stack.Sandbox.FailedRefreshGrants);
        var tokens = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()));
        Assert.Single(tokens.Distinct());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Many_renewals_of_a_rejected_token_make_one_refresh_and_none_again_within_thirty_seconds()
    {
        await ConnectAsync("mail");
        var before = await GetTokenAsync("mail");
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(50));
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the instance's snapshot of the record may be 2 s old

        var renewals = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SendAsync(_stack.Host, "mail", renew: true)));
        using var again = await SendAsync(_stack.Host, "mail", renew: true);

        Assert.All(renewals, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var tokens = await Task.WhenAll(renewals.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()));
        Assert.Single(tokens.Distinct());
        Assert.NotEqual(before.GetProperty("accessToken").GetString(), tokens[0]);
        Assert.Equal(tokens[0], (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        foreach (var response in renewals)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Several_instances_under_load_refresh_once_per_expiry_and_keep_the_newest_refresh_token()
    {
        await ConnectAsync("mail");
        var second = await _stack.StartAnotherInstanceAsync();
        var third = await _stack.StartAnotherInstanceAsync();
        _stack.Sandbox.TokenDelay = TimeSpan.FromMilliseconds(200);

        for (var round = 1; round <= 3; round++)
        {
            await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(-1));
            var requests = new[] { _stack.Host, second, third }
                .SelectMany(host => Enumerable.Range(0, 20).Select(_ => SendAsync(host, "mail")));
            var responses = await Task.WhenAll(requests);

            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(round, _stack.Sandbox.RefreshGrants);
            Assert.Equal(0, _stack.Sandbox.FailedRefreshGrants);
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        var stored = await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(User, "mail"), CancellationToken.None);
        Assert.Null(stored!.LeaseOwner);
        Assert.Equal(ConnectionStatus.Active, stored.Status);
        Assert.True(await _stack.Sandbox.IsRefreshTokenUsableAsync(await StoredRefreshTokenAsync("mail")), "the stored refresh token is the provider's newest");
    }

    [Fact]
    public async Task A_crashed_holders_lease_is_taken_over_once_its_heartbeat_has_been_silent_for_the_abandonment_timeout()
    {
        await ConnectAsync("mail");
        var store = _stack.Host.Services.GetRequiredService<ConnectionStore>();
        var record = await store.GetAsync(ConnectionKeys.Of(User, "mail"), CancellationToken.None);
        // Its lease ran out long ago (storage may just be slow); its last heartbeat becomes 2 minutes old (the default) in 2 s.
        var lastHeartbeat = DateTimeOffset.UtcNow.AddMinutes(-2).AddSeconds(2);
        await store.ReplaceAsync(record! with
        {
            AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1),
            LeaseOwner = "crashed-instance/1",
            LeaseTakenAt = lastHeartbeat,
            LeaseRenewedAt = lastHeartbeat,
            LeaseExpiresAt = lastHeartbeat.AddSeconds(30),
        }, CancellationToken.None);

        var token = await GetTokenAsync("mail");

        Assert.True(DateTimeOffset.UtcNow >= lastHeartbeat.AddMinutes(2), "the lease was respected until its holder had been silent for 2 minutes");
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        Assert.True(token.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
    }

    [Fact]
    public async Task A_revoked_grant_answers_409_and_marks_the_connection_for_reauthorization()
    {
        await ConnectAsync("mail");
        await _stack.Sandbox.RevokeGrantsOfAsync("sandbox-user-1");
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(-1));

        using var response = await SendAsync(_stack.Host, "mail");
        await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, "reauthorization_required");
        var metadata = await GetJsonAsync("api/users/u1/connections/mail");
        Assert.Equal("reauthorization_required", metadata.GetProperty("status").GetString());
        Assert.Equal("invalid_grant", metadata.GetProperty("lastErrorCode").GetString());

        using var again = await SendAsync(_stack.Host, "mail");
        await ProblemAssert.IsAsync(again, HttpStatusCode.Conflict, "reauthorization_required");
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task A_provider_outage_answers_503_with_retry_after_cools_down_and_keeps_the_connection()
    {
        await ConnectAsync("mail");
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(-1));
        _stack.Sandbox.ForcedTokenStatus = 503;

        using var response = await SendAsync(_stack.Host, "mail");
        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
        Assert.NotNull(response.Headers.RetryAfter);
        var attempts = _stack.Sandbox.RefreshGrants;
        Assert.Equal(3, attempts);

        using var during = await SendAsync(_stack.Host, "mail");
        await ProblemAssert.IsAsync(during, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
        Assert.Equal(attempts, _stack.Sandbox.RefreshGrants);
        var metadata = await GetJsonAsync("api/users/u1/connections/mail");
        Assert.Equal("active", metadata.GetProperty("status").GetString());
        Assert.Equal("provider_error", metadata.GetProperty("lastErrorCode").GetString());

        _stack.Sandbox.ForcedTokenStatus = null;
        var store = _stack.Host.Services.GetRequiredService<ConnectionStore>();
        var cooling = await store.GetAsync(ConnectionKeys.Of(User, "mail"), CancellationToken.None);
        Assert.True(cooling!.NextRefreshAllowedAt > DateTimeOffset.UtcNow, "a cooldown is set after the failure");
        await store.ReplaceAsync(cooling with { NextRefreshAllowedAt = null }, CancellationToken.None);
        var recovered = await GetTokenAsync("mail");
        Assert.True(recovered.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.Equal("active", (await GetJsonAsync("api/users/u1/connections/mail")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Provider_throttling_is_honoured_with_its_retry_after()
    {
        await ConnectAsync("mail");
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(-1));
        _stack.Sandbox.ForcedTokenStatus = 429;
        _stack.Sandbox.ForcedRetryAfter = TimeSpan.FromSeconds(40);

        using var response = await SendAsync(_stack.Host, "mail");

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        Assert.InRange(response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 38, 40);
        var record = await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(User, "mail"), CancellationToken.None);
        Assert.Equal("rate_limited", record!.LastErrorCode);
        Assert.True(record.NextRefreshAllowedAt > DateTimeOffset.UtcNow.AddSeconds(35));
    }

    [Fact]
    public async Task Disconnect_revokes_at_the_provider_deletes_the_record_and_is_idempotent()
    {
        await ConnectAsync("mail");
        var refreshToken = await StoredRefreshTokenAsync("mail");

        using var deleted = await DeleteAsync("api/users/u1/connections/mail");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(1, _stack.Sandbox.Revocations);
        Assert.False(await _stack.Sandbox.IsRefreshTokenUsableAsync(refreshToken), "the provider revoked the refresh token");
        // Only the disconnect's status event may be left, in its outbox row, until the dispatcher has queued it.
        Assert.All(await _stack.RowsAsync(_stack.ConnectionsTable), row => Assert.True(StatusEventOutbox.IsOutboxRow(row.RowKey), row.RowKey));

        using var read = await SendAsync(_stack.Host, "mail");
        await ProblemAssert.IsAsync(read, HttpStatusCode.NotFound, "connection_not_found");
        using var again = await DeleteAsync("api/users/u1/connections/mail");
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
    }

    [Fact]
    public async Task Purge_removes_every_connection_of_the_user_and_nobody_elses()
    {
        await ConnectAsync("mail");
        await ConnectAsync("calendar");
        await ConnectAsync("drive");
        await ConnectAsync("mail", "u2");

        using var purged = await DeleteAsync("api/users/u1/connections");

        Assert.Equal(HttpStatusCode.NoContent, purged.StatusCode);
        Assert.Equal(3, _stack.Sandbox.Revocations);
        Assert.Equal(0, (await GetJsonAsync("api/users/u1/connections")).GetProperty("connections").GetArrayLength());
        Assert.Equal(1, (await GetJsonAsync("api/users/u2/connections")).GetProperty("connections").GetArrayLength());
    }

    [Fact]
    public async Task Reading_a_token_needs_credentials_read_and_is_never_self_service()
    {
        await ConnectAsync("mail");
        using var stranger = await SendAsync(_stack.Host, "mail", token: _stack.CallerToken("sc_stranger"));
        using var self = await SendAsync(_stack.Host, "mail", token: _stack.Authress.MintCallerToken(User, AuthressLocal.CallerTokenKind.User));

        await ProblemAssert.IsAsync(stranger, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(self, HttpStatusCode.Forbidden, "forbidden");
    }

    private Task ConnectAsync(string connectionId, string user = User) => _stack.ConnectAllAsync(user, connectionId);

    /// <summary>Makes the stored access token expire <paramref name="expiresIn"/> from now, issued an hour ago.</summary>
    private Task AgeAccessTokenAsync(string connectionId, TimeSpan expiresIn) =>
        _stack.EditAsync(User, connectionId, record => record with
        {
            AccessTokenExpiresAt = DateTimeOffset.UtcNow + expiresIn,
            LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-1),
        });

    private async Task<string> StoredRefreshTokenAsync(string connectionId)
    {
        var record = await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(User, connectionId), CancellationToken.None);
        return await _stack.Host.Services.GetRequiredService<ConnectionSecrets>().ReadRefreshTokenAsync(record!, CancellationToken.None);
    }

    [Fact]
    public async Task A_provider_refusing_the_services_own_client_leaves_the_connection_status_alone_and_says_so_once()
    {
        await ConnectAsync("mail");
        var logs = new CapturedLogs();
        var misconfigured = await _stack.StartAnotherInstanceAsync(
            new Dictionary<string, string?> { ["Providers:sandbox:ClientSecret"] = "an-expired-secret" },
            services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        await _stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });

        using var first = await SendAsync(misconfigured, "mail");
        using var second = await SendAsync(misconfigured, "mail");

        await ProblemAssert.IsAsync(first, HttpStatusCode.BadGateway, "provider_rejected");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        var record = await _stack.RecordAsync(User, "mail");
        Assert.Equal(ConnectionStatus.Active, record.Status);
        Assert.Equal(0, record.ConsecutiveFailures);
        Assert.Null(record.FailingSince);
        Assert.Equal("invalid_client", record.LastErrorCode);
        Assert.Single(logs.Messages, m => m.StartsWith("Error", StringComparison.Ordinal) && m.Contains("refuses this service's client", StringComparison.Ordinal));
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task Three_failed_refreshes_in_a_row_make_the_connection_refresh_failing_with_one_status_event()
    {
        await ConnectAsync("mail");
        await _stack.ClearStatusEventsAsync();
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(-1));
        _stack.Sandbox.ForcedTokenStatus = 503;

        for (var failure = 1; failure <= 3; failure++)
        {
            using var response = await SendAsync(_stack.Host, "mail");
            await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
            await _stack.EditAsync(User, "mail", r => r with { NextRefreshAllowedAt = null });
        }

        var record = await _stack.RecordAsync(User, "mail");
        Assert.Equal(ConnectionStatus.RefreshFailing, record.Status);
        Assert.Equal(3, record.ConsecutiveFailures);
        var events = await _stack.StatusEventsAsync();
        var change = Assert.Single(events);
        Assert.Equal("active", change.GetProperty("oldStatus").GetString());
        Assert.Equal("refresh_failing", change.GetProperty("newStatus").GetString());
    }

    [Fact]
    public async Task A_provider_answering_nonsense_to_a_refresh_is_a_502_provider_rejected()
    {
        await ConnectAsync("mail");
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(-1));
        _stack.Sandbox.ForcedTokenBody = "[\"not\", \"an\", \"object\"]";

        using var response = await SendAsync(_stack.Host, "mail");

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadGateway, "provider_rejected");
        Assert.Equal("invalid_response", (await _stack.RecordAsync(User, "mail")).LastErrorCode);
    }

    [Fact]
    public async Task Min_validity_is_capped_at_half_the_providers_token_lifetime_so_asking_for_more_never_loops_refreshes()
    {
        await ConnectAsync("mail");

        // The sandbox's tokens live an hour; a caller asking for an hour of validity gets the fresh (59-minute) token.
        var token = await GetTokenAsync("mail", 3600);

        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
        Assert.True(token.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(30));
    }

    [Fact]
    public async Task Connecting_and_disconnecting_publish_a_first_event_without_old_status_and_a_deleted_event()
    {
        await _stack.ClearStatusEventsAsync();
        await ConnectAsync("mail");
        using (var disconnect = new HttpRequestMessage(HttpMethod.Delete, "api/users/u1/connections/mail"))
        {
            disconnect.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
            (await _stack.Host.Client.SendAsync(disconnect)).Dispose();
        }

        var events = await _stack.StatusEventsAsync();

        Assert.Equal(2, events.Count);
        Assert.Equal(JsonValueKind.Null, events[0].GetProperty("oldStatus").ValueKind);
        Assert.Equal("active", events[0].GetProperty("newStatus").GetString());
        Assert.Equal("active", events[1].GetProperty("oldStatus").GetString());
        Assert.Equal("deleted", events[1].GetProperty("newStatus").GetString());
    }

    [Fact]
    public async Task A_reconnect_completed_while_a_refresh_is_in_flight_wins_and_no_status_event_is_invented()
    {
        await ConnectAsync("mail");
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(-1));
        // The user reconnects: consent and callback now, completion later, while a refresh is at the provider.
        var url = await _stack.StartAndGetAuthorizationUrlAsync(User, new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase });
        string completion;
        string? binding;
        using (var callback = await _stack.FollowToCallbackAsync(await _stack.AuthorizeAtProviderAsync(url)))
        {
            completion = ConnectStack.FragmentOf(callback.Headers.Location!)["completion"];
            binding = ConnectStack.BindingCookieOf(callback);
        }

        _stack.Sandbox.TokenDelay = TimeSpan.FromSeconds(1);
        var read = SendAsync(_stack.Host, "mail");
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        using (var completed = await _stack.CompleteAsync(User, "mail", completion, cookie: binding))
        {
            Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        }

        var reconnected = await StoredRefreshTokenAsync("mail");
        using var response = await read;
        _stack.Sandbox.TokenDelay = TimeSpan.Zero;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = await StoredRefreshTokenAsync("mail");
        Assert.True(await _stack.Sandbox.IsRefreshTokenUsableAsync(stored), "the stored grant is one the provider still honours");
        Assert.Equal(ConnectionStatus.Active, (await _stack.RecordAsync(User, "mail")).Status);
        Assert.Equal(reconnected, stored);
        // The refresh in flight either lost to the revocation or had its result dropped: neither is a status change.
        var events = await _stack.StatusEventsAsync();
        Assert.Equal(["active"], events.Select(e => e.GetProperty("newStatus").GetString()));
    }

    [Fact]
    public async Task Token_reads_and_refreshes_are_counted_by_provider_caller_outcome_and_error_for_the_operators_workbook()
    {
        await ConnectAsync("mail");
        var meters = _stack.Host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var reads = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "Credentials.Functions", "credentials.token.reads");
        using var refreshes = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "Credentials.Functions", "credentials.refresh.outcomes");

        await GetTokenAsync("mail");
        await AgeAccessTokenAsync("mail", TimeSpan.FromMinutes(-1));
        await GetTokenAsync("mail");
        using (await SendAsync(_stack.Host, "nothing-here"))
        {
        }

        var readTags = reads.GetMeasurementSnapshot().Select(m => (m.Tags["provider"] as string, m.Tags["caller"] as string, m.Tags["outcome"] as string)).ToList();
        Assert.True(2 == readTags.Count(t => t == ("sandbox", ConnectStack.Caller, "served")), string.Join("; ", readTags));
        Assert.Contains(("unknown", ConnectStack.Caller, "not_found"), readTags);
        var refreshTags = Assert.Single(refreshes.GetMeasurementSnapshot()).Tags;
        Assert.Equal(("sandbox", "success", "none"), (refreshTags["provider"] as string, refreshTags["outcome"] as string, refreshTags["error"] as string));
    }

    [Fact]
    public async Task A_reconnect_revokes_the_grant_it_replaces_and_keeps_the_new_one()
    {
        await ConnectAsync("mail");
        var replaced = await StoredRefreshTokenAsync("mail");
        var revocationsBefore = _stack.Sandbox.Revocations;

        await ConnectAsync("mail");

        var current = await StoredRefreshTokenAsync("mail");
        Assert.NotEqual(replaced, current);
        Assert.Equal(revocationsBefore + 1, _stack.Sandbox.Revocations);
        Assert.False(await _stack.Sandbox.IsRefreshTokenUsableAsync(replaced), "the replaced grant was revoked at the provider");
        Assert.True(await _stack.Sandbox.IsRefreshTokenUsableAsync(current), "the new grant survived the revocation of the old one");
    }

    [Fact]
    public async Task A_cooldown_ends_on_its_own_and_the_next_read_refreshes()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Refresh:ProviderRetryDelay"] = "00:00:00.050", ["Refresh:MaxProviderRetries"] = "0" },
            configureServices: services => services.AddSingleton<TimeProvider>(time));
        await stack.ConnectAllAsync(User, "mail");
        time.Advance(TimeSpan.FromMinutes(61));
        stack.Sandbox.ForcedTokenStatus = 503;

        using (var failed = await ReadAsync(stack))
        {
            await ProblemAssert.IsAsync(failed, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
        }

        stack.Sandbox.ForcedTokenStatus = null;
        using (var cooling = await ReadAsync(stack))
        {
            await ProblemAssert.IsAsync(cooling, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
        }

        Assert.Equal(1, stack.Sandbox.RefreshGrants);
        time.Advance(TimeSpan.FromSeconds(6));
        using var recovered = await ReadAsync(stack);

        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(2, stack.Sandbox.RefreshGrants);
        Assert.Null((await stack.RecordAsync(User, "mail")).NextRefreshAllowedAt);

        static async Task<HttpResponseMessage> ReadAsync(ConnectStack stack)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/mail/access-token");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.CallerToken());
            return await stack.Host.Client.SendAsync(request);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(RunningDevHost host, string connectionId, string? minValiditySeconds = null, string? token = null, bool renew = false)
    {
        var path = $"api/users/{User}/connections/{connectionId}/access-token" + (minValiditySeconds is null ? string.Empty : $"?minValiditySeconds={minValiditySeconds}")
            + (renew ? (minValiditySeconds is null ? "?" : "&") + "renew=true" : string.Empty);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? _stack.CallerToken());
        return await host.Client.SendAsync(request);
    }

    private async Task<JsonElement> GetTokenAsync(string connectionId, int? minValiditySeconds = null)
    {
        using var response = await SendAsync(_stack.Host, connectionId, minValiditySeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
        using var response = await _stack.Host.Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<HttpResponseMessage> DeleteAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
        return await _stack.Host.Client.SendAsync(request);
    }
}
