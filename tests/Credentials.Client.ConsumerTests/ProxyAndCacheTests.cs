using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Client.ConsumerTests;

/// <summary>A proxy client, two caller identities in one process, and how long a disconnected connection's token lives on here.</summary>
[Collection(StackGroup.Name)]
public sealed class ProxyAndCacheTests(LocalService stack) : IAsyncLifetime
{
    private readonly string _connection = "proxy-" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => stack.ConnectAsync(_connection);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task One_process_reads_tokens_as_one_caller_and_calls_the_proxy_as_another()
    {
        await using var reader = Consumer.Services(stack, stack.BaseAddress, LocalService.Reader);
        await using var proxyCaller = Consumer.Services(stack, stack.BaseAddress, LocalService.ProxyCaller);

        var token = await reader.GetRequiredService<ICredentialsClient>().GetAccessTokenAsync(LocalService.User, _connection);
        using var sandbox = proxyCaller.GetRequiredService<ICredentialsProxy>().CreateClient(LocalService.User, _connection);
        using var me = await sandbox.GetAsync(new Uri("api/me", UriKind.Relative));

        Assert.True(token.Succeeded, $"{token.Status} {token.ProblemCode}");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Contains("\"sub\":\"demo\"", await me.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_disconnect_the_cached_token_is_handed_out_at_most_MaxCacheAge()
    {
        await using var services = Consumer.Services(stack, stack.BaseAddress, LocalService.Reader,
            configure: options => options.MaxCacheAge = TimeSpan.FromSeconds(6));
        var client = services.GetRequiredService<ICredentialsClient>();
        Assert.True((await client.GetAccessTokenAsync(LocalService.User, _connection)).Succeeded);

        await stack.DisconnectAsync(_connection);
        var meanwhile = await client.GetAccessTokenAsync(LocalService.User, _connection);
        await Task.Delay(TimeSpan.FromSeconds(6.5));
        var later = await client.GetAccessTokenAsync(LocalService.User, _connection);

        Assert.Equal(AccessTokenStatus.Issued, meanwhile.Status);
        Assert.Equal(AccessTokenStatus.NotFound, later.Status);
    }
}
