using System.Net;
using System.Net.Http.Headers;
using Credentials.AuthressLocal;
using Credentials.Tests.Support;

namespace Credentials.Tests.Proxy;

/// <summary>
/// What the proxy refuses before anything reaches a provider (ambiguous paths, a stored instance URL no longer allowed,
/// addresses on this network) and per-API grants, on the stack of <see cref="ProxyTests"/>: the dev host, Azurite, the
/// sandbox provider, the local Authress endpoint and two loopback APIs.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ProxyHardeningTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "u1";
    private const string ApiReader = "sc_api_reader";
    private ProviderApiServer _api = null!;
    private ProviderApiServer _elsewhere = null!;
    private ConnectStack _stack = null!;

    public async Task InitializeAsync()
    {
        _api = await ProviderApiServer.StartAsync();
        _elsewhere = await ProviderApiServer.StartAsync();
        _stack = await ConnectStack.StartAsync(azurite, sandbox => sandbox.InstanceUrl = _api.BaseAddress, new Dictionary<string, string?>
        {
            [$"Providers:{ConnectStack.ProviderId}:ApiBaseUrls:api"] = new Uri(_api.BaseAddress, "v1").ToString(),
            [$"Providers:{ConnectStack.ProviderId}:InstanceUrlParameter"] = "instance_url",
            [$"Providers:{ConnectStack.ProviderId}:InstanceUrlHosts:0"] = "127.0.0.1",
        });
        _api.Sandbox = _elsewhere.Sandbox = _stack.Sandbox.BaseAddress;
        // A caller that may read through the proxy on one API of one connection only.
        _stack.Authress.Grants.Roles["proxy-reader"] = ["credentials:proxy.read"];
        _stack.Authress.Grants.AccessRecords.Add(new AccessRecord
        {
            Users = [ApiReader],
            Roles = ["proxy-reader"],
            Resources = [$"/user-credentials/refresh-tokens/users/{User}/connections/mail/apis/api"],
        });
        await _stack.ConnectAllAsync(User, "mail");
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _api.DisposeAsync();
        await _elsewhere.DisposeAsync();
    }

    [Theory]
    [InlineData("echo/a%2541")]
    [InlineData("echo/100%25")]
    [InlineData("echo/%252e%252e/admin")]
    [InlineData("echo/a;x=1")]
    [InlineData("echo/files;jsessionid=1/x")]
    [InlineData("echo/a%3Bb")]
    public async Task A_double_encoding_or_matrix_parameter_is_refused_without_an_outbound_request(string path)
    {
        using var response = await ProxyAsync(_stack.Host, HttpMethod.Get, path, "api");

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "proxy_invalid_path");
        Assert.Equal(0, _api.Requests);
    }

    [Fact]
    public async Task A_stored_instance_url_off_the_allowed_hosts_is_refused_on_every_use()
    {
        // A row altered in the table: the instance now names another host (of this machine, on another API's port).
        await _stack.EditAsync(User, "mail", record => record with { InstanceUrl = new Uri($"http://localhost:{_elsewhere.BaseAddress.Port}/") });
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the instance's snapshot of the record may be 2 s old

        using var tampered = await ProxyAsync(_stack.Host, HttpMethod.Get, "v1/echo/instance", "instance");

        await ProblemAssert.IsAsync(tampered, HttpStatusCode.Conflict, "proxy_instance_url_refused");
        Assert.Equal(0, _elsewhere.Requests);

        // Settings changed since the URL was stored: an instance that allows other hosts refuses the stored one.
        await _stack.EditAsync(User, "mail", record => record with { InstanceUrl = new Uri(_api.BaseAddress.GetLeftPart(UriPartial.Authority)) });
        var narrowed = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?>
        {
            [$"Providers:{ConnectStack.ProviderId}:InstanceUrlHosts:0"] = ".salesforce.com",
        });
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // this instance's snapshot may still hold the altered row

        using var unlisted = await ProxyAsync(narrowed, HttpMethod.Get, "v1/echo/instance", "instance");
        using var listed = await ProxyAsync(_stack.Host, HttpMethod.Get, "v1/echo/instance", "instance");

        await ProblemAssert.IsAsync(unlisted, HttpStatusCode.Conflict, "proxy_instance_url_refused");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(1, _api.Requests);
    }

    [Fact]
    public async Task Without_the_development_switch_a_loopback_API_is_refused_and_never_reached()
    {
        var production = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Outbound:AllowPrivateNetworkTargets"] = "false" });

        using var response = await ProxyAsync(production, HttpMethod.Get, "echo/x", "api");

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadGateway, "proxy_address_refused");
        Assert.Equal(0, _api.Requests);
    }

    [Fact]
    public async Task Without_the_development_switch_a_providers_token_endpoint_on_loopback_is_never_reached()
    {
        var production = await _stack.StartAnotherInstanceAsync(new Dictionary<string, string?> { ["Outbound:AllowPrivateNetworkTargets"] = "false" });
        await _stack.EditAsync(User, "mail", record => record with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) });

        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{User}/connections/mail/access-token");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken());
        using var response = await production.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, _stack.Sandbox.RefreshGrants);
    }

    [Fact]
    public async Task A_grant_on_one_API_of_a_connection_allows_that_API_only()
    {
        using var granted = await ProxyAsync(_stack.Host, HttpMethod.Get, "echo/events", "api", ApiReader);
        using var byPosition = await ProxyAsync(_stack.Host, HttpMethod.Get, "echo/events", "1", ApiReader); // 0 is the instance
        var sent = _api.Requests;
        using var otherApi = await ProxyAsync(_stack.Host, HttpMethod.Get, "api/me", "default", ApiReader);
        using var defaultApi = await ProxyAsync(_stack.Host, HttpMethod.Get, "api/me", null, ApiReader);
        using var instance = await ProxyAsync(_stack.Host, HttpMethod.Get, "v1/echo/events", "instance", ApiReader);
        using var write = await ProxyAsync(_stack.Host, HttpMethod.Delete, "echo/events", "api", ApiReader);

        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byPosition.StatusCode);
        await ProblemAssert.IsAsync(otherApi, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(defaultApi, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(instance, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(write, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(sent, _api.Requests);
        // A grant on the connection or above still covers every API (ProxyCaller holds credentials:proxy on every user).
        using var connectionWide = await ProxyAsync(_stack.Host, HttpMethod.Get, "api/me", "default", ConnectStack.ProxyCaller);
        Assert.Equal(HttpStatusCode.OK, connectionWide.StatusCode);
    }

    private async Task<HttpResponseMessage> ProxyAsync(RunningDevHost host, HttpMethod method, string path, string? api, string caller = ConnectStack.ProxyCaller)
    {
        // The path goes on the wire exactly as written: no dot-segment removal or unescaping by Uri.
        var uri = new Uri($"{host.BaseAddress.ToString().TrimEnd('/')}/api/proxy/users/{User}/connections/mail/{path}",
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken(caller));
        if (api is not null)
        {
            request.Headers.Add("X-Credentials-Api", api);
        }

        return await host.Client.SendAsync(request);
    }
}
