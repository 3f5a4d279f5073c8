using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;

namespace Credentials.Tests.Refresh;

/// <summary>
/// A narrower token's renewal window and failures are its own, per (connection, scope set): renewals inside the window
/// do not reach the provider again, and a provider that fails a narrower refresh pauses that scope set only, never the
/// connection's own refreshes.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class NarrowedRenewalTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private ConnectStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Refresh:MaxProviderRetries"] = "0",
            ["Refresh:FirstCooldown"] = "00:01:00",
            ["Storage:ConnectionSnapshotLifetime"] = "00:00:00",
        });
        using var connected = await _stack.ConnectAsync(User, "files", scopes: ["sandbox.read", "sandbox.write"]);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Repeated_renewals_of_a_narrower_token_inside_the_window_ask_the_provider_once()
    {
        var tokens = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await SendAsync("?scope=sandbox.read&renew=true");
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            tokens.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
        }

        Assert.Single(tokens.Distinct());
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);

        // Another scope set has its own window.
        using var other = await SendAsync("?scope=sandbox.write&renew=true");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(2, _stack.Sandbox.RefreshGrants);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task A_narrower_refresh_the_provider_fails_pauses_that_scope_set_and_a_429_holds_the_provider(int status)
    {
        _stack.Sandbox.ForcedTokenStatus = status;
        _stack.Sandbox.ForcedRetryAfter = status == 429 ? TimeSpan.FromSeconds(40) : null;

        using var narrowed = await SendAsync("?scope=sandbox.read");

        await ProblemAssert.IsAsync(narrowed, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
        Assert.NotNull(narrowed.Headers.RetryAfter);
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        var record = await _stack.RecordAsync(User, "files");
        Assert.Equal((ConnectionStatus.Active, 0, null, null), (record.Status, record.ConsecutiveFailures, record.NextRefreshAllowedAt, record.LeaseOwner));

        _stack.Sandbox.ForcedTokenStatus = null;
        await _stack.EditAsync(User, "files", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        if (status == 429)
        {
            // A 429 with Retry-After speaks for the provider app, not the scope set: the rate-limit governor holds every
            // call to that provider until then, and answers it itself without touching the connection.
            using var held = await SendAsync(string.Empty);
            await ProblemAssert.IsAsync(held, HttpStatusCode.TooManyRequests, "provider_rate_limited");
            Assert.NotNull(held.Headers.RetryAfter);
            Assert.Equal(1, _stack.Sandbox.RefreshGrants);
            Assert.Equal(ConnectionStatus.Active, (await _stack.RecordAsync(User, "files")).Status);
            return;
        }

        // The provider is back: the connection's own refresh goes ahead at once.
        using var full = await SendAsync(string.Empty);

        Assert.True(full.StatusCode == HttpStatusCode.OK, await full.Content.ReadAsStringAsync());
        Assert.Equal((2, 0), (_stack.Sandbox.RefreshGrants, _stack.Sandbox.FailedRefreshGrants));
        Assert.True((await full.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));

        // The failed scope set still waits out its own cooldown without asking the provider.
        using var stillWaiting = await SendAsync("?scope=sandbox.read");
        await ProblemAssert.IsAsync(stillWaiting, HttpStatusCode.ServiceUnavailable, "provider_unavailable");
        Assert.Equal(2, _stack.Sandbox.RefreshGrants);
    }

    private async Task<HttpResponseMessage> SendAsync(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/files/access-token{query}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
        return await _stack.Host.Client.SendAsync(request);
    }
}
