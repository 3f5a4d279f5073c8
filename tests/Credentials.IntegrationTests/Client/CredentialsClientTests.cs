using System.Collections.Concurrent;
using System.Net;
using Credentials.Client;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Client;

/// <summary>The packable .NET client against the dev host, Azurite, the sandbox provider and the local Authress endpoint.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class CredentialsClientTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private ConnectStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await ConnectStack.StartAsync(azurite);
        await _stack.ConnectAllAsync(User, "mail");
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task A_token_is_fetched_once_and_then_served_from_the_process_cache()
    {
        var (client, requests, services) = NewClient();
        await using (services)
        {
            var first = await client.GetAccessTokenAsync(User, "mail");
            var second = await client.GetAccessTokenAsync(User, "mail");

            Assert.True(first.Succeeded, first.Status.ToString());
            Assert.Equal(first.Token, second.Token);
            Assert.Equal("sandbox", first.Token.Provider);
            Assert.Equal(["offline_access"], first.Token.Scopes);
            Assert.DoesNotContain(first.Token.Value, first.Token.ToString(), StringComparison.Ordinal);
            Assert.Equal(1, requests.Count);
        }
    }

    [Fact]
    public async Task A_hundred_concurrent_calls_make_one_request()
    {
        var (client, requests, services) = NewClient();
        await using (services)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => client.GetAccessTokenAsync(User, "mail")));

            Assert.All(results, result => Assert.True(result.Succeeded));
            Assert.Single(results.Select(result => result.Token!.Value).Distinct());
            Assert.Equal(1, requests.Count);
        }
    }

    [Fact]
    public async Task A_narrower_token_is_cached_per_scope_set_and_a_refused_scope_is_a_typed_value()
    {
        using (await _stack.ConnectAsync(User, "files", scopes: ["sandbox.read", "sandbox.write"]))
        {
        }

        var (client, requests, services) = NewClient();
        await using (services)
        {
            var narrowed = await client.GetAccessTokenAsync(User, "files", ["sandbox.read"]);
            var again = await client.GetAccessTokenAsync(User, "files", ["sandbox.read", "sandbox.read"]);
            var full = await client.GetAccessTokenAsync(User, "files");
            var refused = await client.GetAccessTokenAsync(User, "mail", ["sandbox.read"]);

            Assert.True(narrowed.Succeeded, narrowed.ProblemCode);
            Assert.Equal(["sandbox.read"], narrowed.Token.Scopes);
            Assert.Equal(narrowed.Token, again.Token);
            Assert.NotEqual(narrowed.Token.Value, full.Token!.Value);
            Assert.Equal((AccessTokenStatus.ScopeRefused, "invalid_scope"), (refused.Status, refused.ProblemCode));
            Assert.Equal(3, requests.Count);
            Assert.Equal("sandbox.read", _stack.Sandbox.RefreshScopeParameters.Single());
        }
    }

    [Fact]
    public async Task A_proxy_client_calls_the_providers_API_as_the_user_without_the_token()
    {
        var (_, _, services) = NewClient(_stack.CallerToken(ConnectStack.ProxyCaller));
        await using (services)
        {
            var proxy = services.GetRequiredService<ICredentialsProxy>();
            using var sandbox = proxy.CreateClient(User, "mail", api: "default");
            using var unknown = proxy.CreateClient(User, "mail", api: "nope");

            using var me = await sandbox.GetAsync("api/me");
            using var refused = await unknown.GetAsync("api/me");

            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            Assert.Contains("\"sub\":\"sandbox-user-1\"", await me.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("proxy_unknown_api", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(new Uri(_stack.Host.BaseAddress, $"api/proxy/users/{User}/connections/mail/"), sandbox.BaseAddress);
        }
    }

    [Fact]
    public async Task Each_expected_outcome_is_a_typed_value()
    {
        var (client, _, services) = NewClient();
        var (stranger, _, strangerServices) = NewClient(_stack.CallerToken("sc_stranger"));
        await using (services)
        await using (strangerServices)
        {
            Assert.Equal(AccessTokenStatus.NotFound, (await client.GetAccessTokenAsync(User, "no-such-connection")).Status);
            var forbidden = await stranger.GetAccessTokenAsync(User, "mail");
            Assert.Equal((AccessTokenStatus.Forbidden, "forbidden"), (forbidden.Status, forbidden.ProblemCode));

            await _stack.EditAsync(User, "mail", record => record with { Status = ConnectionStatus.ReauthorizationRequired });
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // the instance's snapshot of the record may be 2 s old
            var lost = await client.GetAccessTokenAsync(User, "mail");
            Assert.Equal((AccessTokenStatus.ReauthorizationRequired, "reauthorization_required"), (lost.Status, lost.ProblemCode));
        }
    }

    [Fact]
    public async Task A_long_Retry_After_is_returned_with_its_time_instead_of_waited_out()
    {
        await _stack.EditAsync(User, "mail", record => record with
        {
            AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1),
            NextRefreshAllowedAt = DateTimeOffset.UtcNow.AddMinutes(10),
        });
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var (client, requests, services) = NewClient();
        await using (services)
        {
            var unavailable = await client.GetAccessTokenAsync(User, "mail");

            Assert.Equal(AccessTokenStatus.Unavailable, unavailable.Status);
            Assert.InRange(unavailable.RetryAfter!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
            Assert.Equal(1, requests.Count);
        }
    }

    [Fact]
    public async Task The_handler_calls_an_API_with_the_users_token_and_after_a_401_retries_once_with_a_refreshed_one()
    {
        // Renewal refreshes only a connection not refreshed in the last 30 seconds (connecting counts as one).
        await _stack.EditAsync(User, "mail", record => record with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddMinutes(-10) });
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var seen = new ConcurrentQueue<string>();
        await using var api = await StartApiAsync(seen, rejectFirst: true);
        var (_, _, services) = NewClient(configure: collection =>
            collection.AddHttpClient("calendar", http => http.BaseAddress = api.Address).AddProviderTokenHandler());
        await using (services)
        {
            var calendar = services.GetRequiredService<IHttpClientFactory>().CreateClient("calendar");
            using var request = new HttpRequestMessage(HttpMethod.Post, "events") { Content = new StringContent("{\"title\":\"standup\"}") };

            using var response = await calendar.SendAsync(request.ForConnection(User, "mail"));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(2, seen.Count);
            Assert.NotEqual(seen.First(), seen.Last());
            Assert.Equal(1, _stack.Sandbox.RefreshGrants);
            Assert.Equal("{\"title\":\"standup\"}", await response.Content.ReadAsStringAsync());
        }
    }

    private (ICredentialsClient Client, RequestCounter Requests, ServiceProvider Services) NewClient(string? callerToken = null, Action<IServiceCollection>? configure = null)
    {
        var counter = new RequestCounter();
        var collection = new ServiceCollection();
        collection.AddCredentialsClient(options =>
        {
            options.BaseAddress = _stack.Host.Client.BaseAddress;
            options.CallerToken = _ => ValueTask.FromResult(callerToken ?? _stack.CallerToken());
        }).AddHttpMessageHandler(() => counter);
        configure?.Invoke(collection);
        var services = collection.BuildServiceProvider();
        return (services.GetRequiredService<ICredentialsClient>(), counter, services);
    }

    /// <summary>A provider-like API on loopback that refuses the first token it sees (as if revoked) and echoes the body.</summary>
    private static async Task<RunningApi> StartApiAsync(ConcurrentQueue<string> seen, bool rejectFirst)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/events", async (HttpContext http) =>
        {
            var token = http.Request.Headers.Authorization.ToString();
            seen.Enqueue(token);
            if (!token.StartsWith("Bearer ", StringComparison.Ordinal) || (rejectFirst && seen.Count == 1))
            {
                return Results.Unauthorized();
            }

            using var reader = new StreamReader(http.Request.Body);
            return Results.Text(await reader.ReadToEndAsync(), "application/json");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new RunningApi(app, new Uri(address + "/"));
    }

    private sealed record RunningApi(WebApplication App, Uri Address) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    private sealed class RequestCounter : DelegatingHandler
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
