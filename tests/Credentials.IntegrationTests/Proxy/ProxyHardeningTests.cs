using System.Net;
using System.Net.Http.Headers;
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
