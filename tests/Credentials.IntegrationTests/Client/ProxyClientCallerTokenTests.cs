using System.Collections.Concurrent;
using Credentials.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Client;

/// <summary>
/// The client's proxy clients send this service's own bearer token only under the Credentials service's BaseAddress: a
/// provider's absolute URL (a nextLink) followed through them is refused unsent (docs/client.md, "The proxy").
/// </summary>
public sealed class ProxyClientCallerTokenTests : IAsyncLifetime
{
    private const string CallerToken = "caller-jwt-that-must-stay-home";
    private readonly ConcurrentQueue<(string Target, string Authorization)> _seen = new();
    private WebApplication _server = null!;
    private Uri _origin = null!;

    public async Task InitializeAsync()
    {
        // One loopback server stands for the Credentials service (under /credentials/) and for everything beside it.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.Run(http =>
        {
            _seen.Enqueue((http.Request.Path + http.Request.QueryString, http.Request.Headers.Authorization.ToString()));
            return Task.CompletedTask;
        });
        await _server.StartAsync();
        _origin = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("{origin}/v1.0/me/messages?$skiptoken=2")] // same host and port, outside the base path
    [InlineData("{origin}/credentialsX/api/proxy/users/u1/connections/mail/x")]
    [InlineData("http://localhost:{port}/credentials/api/proxy/users/u1/connections/mail/x")] // another host name
    [InlineData("{origin}/credentials/api/proxy/users/u1/connections/mail/../../../../../../../other")] // dot segments back out of the base path
    public async Task A_request_outside_the_base_address_is_refused_and_never_carries_the_caller_token(string url)
    {
        await using var services = NewServices();
        using var proxy = services.GetRequiredService<ICredentialsProxy>().CreateClient("u1", "mail");
        var absolute = url.Replace("{origin}", _origin.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            .Replace("{port}", _origin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        await Assert.ThrowsAsync<InvalidOperationException>(() => proxy.GetAsync(new Uri(absolute)));

        Assert.Empty(_seen);
    }

    [Fact]
    public async Task A_request_under_the_base_address_carries_the_caller_token()
    {
        await using var services = NewServices();
        using var proxy = services.GetRequiredService<ICredentialsProxy>().CreateClient("u1", "mail");

        using var relative = await proxy.GetAsync("v1.0/me/messages?$skiptoken=2");

        Assert.Equal(("/credentials/api/proxy/users/u1/connections/mail/v1.0/me/messages?$skiptoken=2", "Bearer " + CallerToken), Assert.Single(_seen));
    }

    private ServiceProvider NewServices()
    {
        var collection = new ServiceCollection();
        collection.AddCredentialsClient(options =>
        {
            options.BaseAddress = new Uri(_origin, "credentials/");
            options.CallerToken = _ => ValueTask.FromResult(CallerToken);
        });
        return collection.BuildServiceProvider();
    }
}
