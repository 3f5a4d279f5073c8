using System.Net;
using Credentials.Tests.Support;

namespace Credentials.Tests.Refresh;

/// <summary>
/// A refresh belongs to the connection, not to the caller that started it: a caller that hangs up mid-refresh does not
/// cancel it (a cancelled flight could leave a rotated refresh token unstored), and the next caller is served from it.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class DepartedCallerTests(AzuriteFixture azurite)
{
    private const string User = "u1";

    [Fact]
    public async Task A_refresh_whose_first_caller_hung_up_completes_and_serves_the_next_caller_without_another_refresh()
    {
        await using var stack = await ConnectStack.StartAsync(azurite);
        await stack.ConnectAsync(User, "mail");
        var expiredAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        await stack.EditAsync(User, "mail", r => r with { AccessTokenExpiresAt = expiredAt });
        var refreshesBefore = stack.Sandbox.RefreshGrants;
        stack.Sandbox.TokenDelay = TimeSpan.FromSeconds(3);

        using (var hangUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadAsync(stack, hangUp.Token));
        }

        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while ((await stack.RecordAsync(User, "mail")).AccessTokenExpiresAt <= expiredAt && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        stack.Sandbox.TokenDelay = TimeSpan.Zero;
        Assert.True((await stack.RecordAsync(User, "mail")).AccessTokenExpiresAt > DateTimeOffset.UtcNow.AddMinutes(5), "the refresh completed and was stored");
        Assert.Equal(refreshesBefore + 1, stack.Sandbox.RefreshGrants);
        using var next = await ReadAsync(stack, CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(refreshesBefore + 1, stack.Sandbox.RefreshGrants);
    }

    private static Task<HttpResponseMessage> ReadAsync(ConnectStack stack, CancellationToken cancellationToken) =>
        stack.ReadAccessTokenAsync(User, "mail", cancellationToken: cancellationToken);
}
