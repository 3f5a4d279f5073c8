using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.Audit;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Credentials.Tests.Proxy;

// Longer than 250 lines on purpose: the proxy's scenarios (permissions, SSRF, headers, limits, renewal, streaming)
// share one stack with two loopback APIs; split files would repeat the setup.

/// <summary>
/// The provider API proxy against the dev host, Azurite, the sandbox provider (whose API checks its tokens), the local
/// Authress endpoint, and two loopback APIs: the provider's (<see cref="ProviderApiServer"/>) and another host that
/// must never be reached.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ProxyTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private const string User = "u1";
    private ProviderApiServer _api = null!;
    private ProviderApiServer _elsewhere = null!;
    private readonly LoopbackPorts.ClosedPort _down = LoopbackPorts.Closed();
    private ConnectStack _stack = null!;

    public async Task InitializeAsync()
    {
        _api = await ProviderApiServer.StartAsync();
        _elsewhere = await ProviderApiServer.StartAsync();
        // The sandbox names _api as each user's instance (as Salesforce's instance_url); _elsewhere is on another port of
        // the same loopback host, which the instance host rule allows, and is named in no token response.
        _stack = await ConnectStack.StartAsync(azurite, sandbox => sandbox.InstanceUrl = _api.BaseAddress, new Dictionary<string, string?>
        {
            [$"Providers:{ConnectStack.ProviderId}:ApiBaseUrls:api"] = new Uri(_api.BaseAddress, "v1").ToString(),
            [$"Providers:{ConnectStack.ProviderId}:InstanceUrlParameter"] = "instance_url",
            [$"Providers:{ConnectStack.ProviderId}:InstanceUrlHosts:0"] = "127.0.0.1",
            [$"Providers:{ConnectStack.ProviderId}:ApiBaseUrls:down"] = $"http://127.0.0.1:{_down.Port}",
            ["Proxy:MaxRequestBytes"] = "2097152",
            // As a preset's path policy: the API's own token endpoints, and its key writes.
            [$"Providers:{ConnectStack.ProviderId}:ApiPathDeny:0"] = "echo/oauth2",
            [$"Providers:{ConnectStack.ProviderId}:ApiPathDeny:1"] = "POST echo/*/keys",
        });
        _api.Sandbox = _elsewhere.Sandbox = _stack.Sandbox.BaseAddress;
        await _stack.ConnectAllAsync(User, "mail");
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _api.DisposeAsync();
        await _elsewhere.DisposeAsync();
        _down.Dispose();
    }

    [Fact]
    public async Task A_call_reaches_the_providers_API_as_the_user_and_the_caller_never_holds_the_token()
    {
        using var response = await ProxyAsync(HttpMethod.Get, "api/me", api: "default");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sandbox-user-1", me.GetProperty("sub").GetString());
        Assert.Equal("offline_access", me.GetProperty("scope").GetString());
        Assert.True(response.Headers.CacheControl!.NoStore);
        var stored = await StoredAccessTokenAsync();
        Assert.DoesNotContain(stored, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers.Concat(response.Content.Headers), header => header.Value.Any(value => value.Contains(stored, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_provider_gets_the_users_token_the_callers_headers_without_its_credentials_and_the_query_as_sent()
    {
        using var request = ProxyRequest(HttpMethod.Post, "echo/files/a%20b?q=caf%C3%A9&x=1", api: "api");
        request.Headers.Add("Cookie", "caller-session=1");
        request.Headers.Add("X-Forwarded-For", "10.0.0.1");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        request.Headers.Add("X-Custom", "kept");
        request.Content = JsonContent.Create(new { title = "standup" });
        using var response = await _stack.Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();
        var headers = echo.GetProperty("headers");
        Assert.Equal("POST", echo.GetProperty("method").GetString());
        Assert.Equal("/v1/echo/files/a%20b?q=caf%C3%A9&x=1", echo.GetProperty("target").GetString());
        Assert.Equal("Bearer " + await StoredAccessTokenAsync(), headers.GetProperty("Authorization").GetString());
        Assert.Equal("kept", headers.GetProperty("X-Custom").GetString());
        Assert.Equal("application/json; charset=utf-8", headers.GetProperty("Content-Type").GetString());
        Assert.True(echo.GetProperty("bodyBytes").GetInt64() > 0);
        foreach (var dropped in new[] { "Cookie", "X-Forwarded-For", "traceparent", "X-Credentials-Api" })
        {
            Assert.False(headers.TryGetProperty(dropped, out _), dropped);
        }
    }

    [Fact]
    public async Task Proxy_and_read_are_separate_permissions()
    {
        using var reader = await ProxyAsync(HttpMethod.Get, "api/me", api: "default", caller: ConnectStack.Caller);
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/mail/access-token");
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken(ConnectStack.ProxyCaller));
        using var proxier = await _stack.Host.Client.SendAsync(tokenRequest);

        await ProblemAssert.IsAsync(reader, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(proxier, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(0, _api.Requests);
    }

    [Theory]
    [InlineData("GET", "echo/oauth2/token")]
    [InlineData("POST", "echo/oauth2")]
    [InlineData("GET", "echo/OAuth2/userinfo")]
    [InlineData("GET", "echo/%6Fauth2/token")]
    [InlineData("POST", "echo/user/keys")]
    [InlineData("POST", "echo/user/KEYS/1")]
    public async Task A_path_the_policy_denies_is_refused_before_anything_is_sent(string method, string path)
    {
        using var response = await ProxyAsync(new HttpMethod(method), path, api: "api");

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, "proxy_path_denied");
        Assert.Equal(0, _api.Requests);
    }

    [Fact]
    public async Task A_path_beside_a_denied_one_or_another_method_on_it_is_proxied()
    {
        using var read = await ProxyAsync(HttpMethod.Get, "echo/user/keys", api: "api");
        using var beside = await ProxyAsync(HttpMethod.Get, "echo/oauth2x/token", api: "api");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, beside.StatusCode);
    }

    [Fact]
    public async Task A_read_only_proxy_caller_can_read_but_never_write_and_nothing_is_sent_for_a_write()
    {
        using var read = await ProxyAsync(HttpMethod.Get, "echo/events", api: "api", caller: ConnectStack.ProxyReader);
        using var head = await ProxyAsync(HttpMethod.Head, "echo/events", api: "api", caller: ConnectStack.ProxyReader);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        var sent = _api.Requests;

        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Patch, HttpMethod.Delete })
        {
            using var write = await ProxyAsync(method, "echo/events", api: "api", caller: ConnectStack.ProxyReader, body: JsonContent.Create(new { title = "x" }));
            await ProblemAssert.IsAsync(write, HttpStatusCode.Forbidden, "forbidden");
        }

        Assert.Equal(sent, _api.Requests);
        // credentials:proxy (the stack's ProxyCaller) keeps meaning both classes.
        using var legacy = await ProxyAsync(HttpMethod.Delete, "echo/events", api: "api");
        Assert.Equal(HttpStatusCode.OK, legacy.StatusCode);
    }

    [Theory]
    [InlineData("echo/../../admin", HttpStatusCode.BadRequest, "proxy_invalid_path")]
    [InlineData("echo/a/../../../../../../admin", HttpStatusCode.NotFound, "not_found")] // leaves the route itself
    [InlineData("echo/%2e%2e/admin", HttpStatusCode.BadRequest, "proxy_invalid_path")]
    [InlineData("echo/.%2E/admin", HttpStatusCode.BadRequest, "proxy_invalid_path")]
    [InlineData("echo/a%2Fb", HttpStatusCode.BadRequest, "proxy_invalid_path")]
    [InlineData("echo/a%5cb", HttpStatusCode.BadRequest, "proxy_invalid_path")]
    [InlineData("echo//elsewhere", HttpStatusCode.BadRequest, "proxy_invalid_path")]
    [InlineData("http:%2F%2Felsewhere/x", HttpStatusCode.BadRequest, "proxy_invalid_path")]
    [InlineData("https://elsewhere.example/x", HttpStatusCode.BadRequest, "proxy_invalid_path")]
    [InlineData("echo/a%7Fb", HttpStatusCode.BadRequest, "proxy_invalid_path")]
    public async Task Each_path_that_could_leave_the_API_is_refused_without_an_outbound_request(string path, HttpStatusCode status, string code)
    {
        using var response = await ProxyAsync(HttpMethod.Get, path, api: "api");

        await ProblemAssert.IsAsync(response, status, code);
        Assert.Equal((0, 0, 0), (_api.Requests, _elsewhere.Requests, _stack.Sandbox.RefreshGrants));
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("7")]
    [InlineData("https://elsewhere.example")]
    public async Task An_unknown_API_is_refused_without_an_outbound_request(string api)
    {
        using var response = await ProxyAsync(HttpMethod.Get, "echo/x", api: api);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "proxy_unknown_api");
        Assert.Equal(0, _api.Requests);
    }

    [Fact]
    public async Task An_API_is_chosen_by_name_or_position_and_the_one_named_default_is_the_default()
    {
        using var byPosition = await ProxyAsync(HttpMethod.Get, "echo/x", api: "1"); // 0 is the instance
        using var byDefault = await ProxyAsync(HttpMethod.Get, "api/me");

        Assert.Equal(HttpStatusCode.OK, byPosition.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byDefault.StatusCode);
        Assert.Equal("sandbox-user-1", (await byDefault.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sub").GetString());
    }

    [Fact]
    public async Task The_instance_url_from_the_token_response_is_kept_and_is_the_API_named_instance()
    {
        var connected = await _stack.RecordAsync(User, "mail");
        await _stack.EditAsync(User, "mail", record => record with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddSeconds(5) });
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the instance's snapshot of the record may be 2 s old

        using var response = await ProxyAsync(HttpMethod.Get, "v1/echo/instance", api: "instance");

        Assert.Equal(new Uri(_api.BaseAddress.GetLeftPart(UriPartial.Authority)), connected.InstanceUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/echo/instance", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("target").GetString());
        Assert.Equal(1, _stack.Sandbox.RefreshGrants); // refreshed on the way, and the instance URL survived it
        Assert.Equal(connected.InstanceUrl, (await _stack.RecordAsync(User, "mail")).InstanceUrl);
    }

    [Fact]
    public async Task A_redirect_to_another_host_is_refused_and_never_followed()
    {
        var elsewhere = new Uri(_elsewhere.BaseAddress, "v1/echo/stolen").ToString();

        using var response = await ProxyAsync(HttpMethod.Get, "redirect?to=" + Uri.EscapeDataString(elsewhere), api: "api");

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "proxy_redirect_refused");
        Assert.Equal(1, _api.Requests);
        Assert.Equal(0, _elsewhere.Requests);
    }

    [Fact]
    public async Task A_redirect_within_the_API_comes_back_pointing_through_the_proxy()
    {
        var within = new Uri(_api.BaseAddress, "v1/echo/moved?page=2").ToString();

        using var request = ProxyRequest(HttpMethod.Get, "redirect?to=" + Uri.EscapeDataString(within), api: "api");
        using var response = await _stack.Browser.SendAsync(request); // does not follow redirects

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/api/proxy/users/{User}/connections/mail/echo/moved?page=2", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_downstream_401_renews_the_token_once_and_sends_again()
    {
        var before = await StoredAccessTokenAsync();
        await _stack.EditAsync(User, "mail", record => record with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddMinutes(-5) });
        await _stack.Sandbox.RevokeAccessTokensOfAsync("sandbox-user-1");
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the instance's snapshot of the record may be 2 s old

        using var response = await ProxyAsync(HttpMethod.Post, "echo/retry", api: "api", body: new StringContent("{\"n\":1}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _api.Requests);
        Assert.Equal(1, _stack.Sandbox.RefreshGrants);
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual("Bearer " + before, echo.GetProperty("headers").GetProperty("Authorization").GetString());
        Assert.True(echo.GetProperty("bodyBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task A_429_passes_through_with_its_Retry_After_and_without_the_providers_cookie()
    {
        using var response = await ProxyAsync(HttpMethod.Get, "throttled", api: "api");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter!.Delta);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal("rate_limited", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_before_anything_is_sent()
    {
        using var declared = await ProxyAsync(HttpMethod.Post, "echo/upload", api: "api", body: new ByteArrayContent(new byte[3 * 1024 * 1024]));
        using var chunked = await ProxyAsync(HttpMethod.Post, "echo/upload", api: "api", body: new StreamContent(new MemoryStream(new byte[3 * 1024 * 1024])));

        await ProblemAssert.IsAsync(declared, HttpStatusCode.RequestEntityTooLarge, "proxy_request_too_large");
        Assert.Equal(0, _api.Requests);
        Assert.True(chunked.StatusCode is HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode.ToString());
    }

    [Fact]
    public async Task An_API_that_refuses_connections_is_a_502_and_the_call_is_audited()
    {
        using var response = await ProxyAsync(HttpMethod.Get, "v1/items", api: "down");

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadGateway, "proxy_unreachable");
        var events = await _stack.Host.Services.GetRequiredService<AuditLog>().ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        Assert.Contains(events, e => e.Action == AuditActions.Proxy && e.Outcome == "refused" && e.Reason!.StartsWith("GET down /v1/items ProviderUnreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_answer_declared_larger_than_the_limit_is_a_502_and_not_read()
    {
        var strict = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Proxy:MaxResponseBytes"] = "4096" });
        using var small = ProxyRequest(HttpMethod.Get, "large?bytes=4096", api: "api", host: strict);
        using var large = ProxyRequest(HttpMethod.Get, "large?bytes=4097", api: "api", host: strict);

        using var fits = await strict.Client.SendAsync(small);
        using var refused = await strict.Client.SendAsync(large);

        Assert.Equal(4096, (await fits.Content.ReadAsByteArrayAsync()).Length);
        await ProblemAssert.IsAsync(refused, HttpStatusCode.BadGateway, "proxy_response_too_large");
    }

    [Fact]
    public async Task An_undeclared_answer_longer_than_the_limit_is_cut_off()
    {
        var strict = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Proxy:MaxResponseBytes"] = "100000" });
        using var request = ProxyRequest(HttpMethod.Get, "large?bytes=1000000&undeclared=true", api: "api", host: strict);
        using var response = await strict.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[8192];
        long received = 0;

        var cut = await Record.ExceptionAsync(async () =>
        {
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                received += read;
            }
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(cut);
        Assert.InRange(received, 0, 100000);
    }

    [Fact]
    public async Task A_provider_slower_than_the_proxy_timeout_is_a_504()
    {
        var impatient = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Proxy:Timeout"] = "00:00:01" });
        using var request = ProxyRequest(HttpMethod.Get, "slow", api: "api", host: impatient);

        var stopwatch = Stopwatch.StartNew();
        using var response = await impatient.Client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.GatewayTimeout, "proxy_timeout");
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4.5));
    }

    [Fact]
    public async Task Each_call_is_audited_with_its_path_but_never_its_query()
    {
        using (await ProxyAsync(HttpMethod.Get, "echo/calendar?secret=s3cr3t-value", api: "api"))
        using (await ProxyAsync(HttpMethod.Get, "echo/%2e%2e/x", api: "api"))
        {
        }

        var events = await _stack.Host.Services.GetRequiredService<AuditLog>().ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        var proxied = events.Where(e => e.Action == AuditActions.Proxy).ToList();
        Assert.Equal(3, proxied.Count);
        Assert.Contains(proxied, e => e.Outcome == "attempted" && e.Reason!.StartsWith("GET api /echo/calendar authorized:", StringComparison.Ordinal));
        Assert.Contains(proxied, e => e.Outcome == "forwarded" && e.Caller == ConnectStack.ProxyCaller && e.ConnectionId == "mail"
            && e.Reason!.StartsWith("GET api /echo/calendar 200", StringComparison.Ordinal));
        Assert.Contains(proxied, e => e.Outcome == "refused" && e.Reason!.Contains("InvalidPath", StringComparison.Ordinal));
        Assert.DoesNotContain(proxied, e => e.Reason!.Contains("s3cr3t", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e.Action == AuditActions.ReadAccessToken);
    }

    [Fact]
    public async Task Calls_are_counted_by_provider_and_status_class()
    {
        var meters = _stack.Host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var calls = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "Credentials.Functions", "credentials.proxy.requests");

        using (await ProxyAsync(HttpMethod.Get, "echo/ok", api: "api"))
        using (await ProxyAsync(HttpMethod.Get, "throttled", api: "api"))
        using (await ProxyAsync(HttpMethod.Get, "echo/a%2Fb", api: "api"))
        {
        }

        var outcomes = calls.GetMeasurementSnapshot().Select(m => (m.Tags["provider"] as string, m.Tags["outcome"] as string)).ToList();
        Assert.Equal([("sandbox", "2xx"), ("sandbox", "4xx"), ("sandbox", "refused:InvalidPath")], outcomes);
    }

    [Fact]
    public async Task No_answer_passes_unaudited()
    {
        // An instance whose audit is never written: once its rolled-up calls fill their capacity (each path below is a
        // tuple of its own), a call that would need a new row fails closed.
        var unaudited = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Audit:RollupCapacity"] = "100" }, services =>
        {
            foreach (var writer in services.Where(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationType == typeof(AuditWriter)).ToList())
            {
                services.Remove(writer);
            }
        });

        HttpResponseMessage? refused = null;
        for (var i = 0; i < 250 && refused is null; i++)
        {
            using var request = ProxyRequest(HttpMethod.Get, $"echo/audited-{i}", api: "api", host: unaudited);
            var response = await unaudited.Client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                response.Dispose();
                continue;
            }

            refused = response;
        }

        using (refused)
        {
            Assert.NotNull(refused);
            Assert.InRange(unaudited.Services.GetRequiredService<AuditBuffer>().Rollups.Count, 100, 102);
            await ProblemAssert.IsAsync(refused, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
            Assert.DoesNotContain("sandbox-user-1", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Nothing_is_sent_when_the_attempt_cannot_be_audited()
    {
        // Audit before acting: an instance whose audit is never written and whose rolled-up rows fill up (each path is a
        // tuple of its own). The call that finds the audit full is refused before the provider sees it.
        var unaudited = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Audit:RollupCapacity"] = "100" }, services =>
        {
            foreach (var writer in services.Where(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationType == typeof(AuditWriter)).ToList())
            {
                services.Remove(writer);
            }
        });

        HttpResponseMessage? refused = null;
        var sentBefore = 0;
        for (var i = 0; i < 250 && refused is null; i++)
        {
            sentBefore = _api.Requests;
            using var request = ProxyRequest(HttpMethod.Post, $"echo/side-effect-{i}", api: "api", host: unaudited);
            request.Content = JsonContent.Create(new { i });
            var response = await unaudited.Client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                response.Dispose();
                continue;
            }

            refused = response;
        }

        using (refused)
        {
            Assert.NotNull(refused);
            await ProblemAssert.IsAsync(refused, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
            Assert.Equal(sentBefore, _api.Requests);
        }
    }

    [Fact]
    public async Task Method_override_headers_are_stripped_and_the_override_parameter_is_refused_unsent()
    {
        using var request = ProxyRequest(HttpMethod.Get, "echo/records", api: "api");
        request.Headers.Add("X-HTTP-Method-Override", "DELETE");
        request.Headers.Add("X-HTTP-Method", "DELETE");
        request.Headers.Add("X-Method-Override", "DELETE");
        using var stripped = await _stack.Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, stripped.StatusCode);
        var echo = await stripped.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("GET", echo.GetProperty("method").GetString());
        foreach (var header in new[] { "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override" })
        {
            Assert.False(echo.GetProperty("headers").TryGetProperty(header, out _), header);
        }

        var sent = _api.Requests;
        foreach (var query in new[] { "?_HttpMethod=DELETE", "?a=1&_httpmethod=PATCH", "?%5FHttpMethod=DELETE" })
        {
            using var overridden = await ProxyAsync(HttpMethod.Post, "echo/records" + query, api: "api");
            await ProblemAssert.IsAsync(overridden, HttpStatusCode.BadRequest, "proxy_method_override");
        }

        Assert.Equal(sent, _api.Requests);
    }

    [Fact]
    public async Task A_proxied_answer_is_never_sniffed_run_or_shared_with_other_origins()
    {
        using var response = await ProxyAsync(HttpMethod.Get, "cors", api: "api");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(["sandbox"], response.Headers.GetValues("Content-Security-Policy"));
        Assert.DoesNotContain(response.Headers, header => header.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_50_MB_answer_streams_through_without_being_held_in_memory()
    {
        const long Bytes = 50L * 1024 * 1024;
        using (await ProxyAsync(HttpMethod.Get, "api/me", api: "default"))
        {
        }

        using var sampling = new CancellationTokenSource();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        var peak = baseline;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(10);
            }
        });
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        using var request = ProxyRequest(HttpMethod.Get, $"large?bytes={Bytes}", api: "api");
        using var response = await _stack.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[ProviderApiServer.LargeChunkBytes];
        long received = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            received += read;
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        await sampling.CancelAsync();
        await sampler;
        output.WriteLine($"50 MB through the proxy: peak working set +{(peak - baseline) / (1024.0 * 1024):0.0} MB, allocated {allocated / (1024.0 * 1024):0.0} MB in the process");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Bytes, received);
        Assert.Equal(Bytes, response.Content.Headers.ContentLength);
        // Holding the body would allocate at least its 50 MB (a growing buffer, twice that) and lift the working set by as much.
        Assert.True(allocated < 16L * 1024 * 1024, $"allocated {allocated} bytes");
        Assert.True(peak - baseline < 40L * 1024 * 1024, $"working set grew {peak - baseline} bytes");
    }

    private HttpRequestMessage ProxyRequest(HttpMethod method, string path, string? api = null, string? caller = null, RunningDevHost? host = null)
    {
        // The path goes on the wire exactly as written: no dot-segment removal or unescaping by Uri.
        var uri = new Uri($"{(host ?? _stack.Host).BaseAddress.ToString().TrimEnd('/')}/api/proxy/users/{User}/connections/mail/{path}",
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken(caller ?? ConnectStack.ProxyCaller));
        if (api is not null)
        {
            request.Headers.Add("X-Credentials-Api", api);
        }

        return request;
    }

    private async Task<HttpResponseMessage> ProxyAsync(HttpMethod method, string path, string? api = null, string? caller = null, HttpContent? body = null)
    {
        using var request = ProxyRequest(method, path, api, caller);
        request.Content = body;
        return await _stack.Host.Client.SendAsync(request);
    }

    private async Task<string> StoredAccessTokenAsync()
    {
        var record = await _stack.RecordAsync(User, "mail");
        return (await _stack.Host.Services.GetRequiredService<Credentials.Functions.Connections.ConnectionSecrets>().ReadAccessTokenAsync(record, CancellationToken.None))!;
    }
}
