using System.Net;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.OAuthConnect;

[Collection(AzuriteGroup.Name)]
public sealed class ExpiredStateTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_callback_after_the_state_lifetime_is_rejected_and_the_state_is_gone()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var stack = await ConnectStack.StartAsync(azurite,
            settings: new Dictionary<string, string?> { ["Connect:StateLifetime"] = "00:05:00" },
            configureServices: services => services.AddSingleton<TimeProvider>(time));
        var url = await stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", returnUrl = ConnectStack.ReturnBase });
        var callback = await stack.AuthorizeAtProviderAsync(url);

        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        using var response = await stack.FollowToCallbackAsync(callback);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("state_expired", ConnectStack.FragmentOf(response.Headers.Location!)["error"]);
        Assert.Empty(await stack.RowsAsync(stack.ConnectionsTable));
        Assert.Empty(await stack.RowsAsync(stack.StatesTable));
        Assert.Equal(0, stack.Sandbox.CodeGrants);
    }
}
