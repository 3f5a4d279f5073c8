using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Credentials.Tests.OAuthConnect;

/// <summary>A connect and its completion, a token hand-out and a refresh leave no code, state, completion code or token in the app's logs.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class SecretLoggingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task No_code_state_or_token_reaches_the_logs()
    {
        var logs = new CapturedLogs();
        await using var stack = await ConnectStack.StartAsync(azurite, configureServices: services => services.AddSingleton<ILoggerProvider>(logs));
        var authorizationUrl = await stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase });
        var callback = await stack.AuthorizeAtProviderAsync(authorizationUrl);
        string completion;
        string? binding;
        using (var redirect = await stack.FollowToCallbackAsync(callback))
        {
            completion = ConnectStack.FragmentOf(redirect.Headers.Location!)["completion"];
            binding = ConnectStack.BindingCookieOf(redirect);
        }

        using (var completed = await stack.CompleteAsync("u1", "mail", completion, cookie: binding))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, completed.StatusCode);
        }

        var store = stack.Host.Services.GetRequiredService<ConnectionStore>();
        var record = (await store.GetAsync(ConnectionKeys.Of("u1", "mail"), CancellationToken.None))!;
        var secrets = stack.Host.Services.GetRequiredService<ConnectionSecrets>();
        var firstRefreshToken = await secrets.ReadRefreshTokenAsync(record, CancellationToken.None);
        var firstAccessToken = (await secrets.ReadAccessTokenAsync(record, CancellationToken.None))!;
        await store.ReplaceAsync(record with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, CancellationToken.None);
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/users/u1/connections/mail/access-token");
        request.Headers.Authorization = new("Bearer", stack.CallerToken());
        using var response = await stack.Host.Client.SendAsync(request);
        var refreshed = (await store.GetAsync(ConnectionKeys.Of("u1", "mail"), CancellationToken.None))!;

        var query = ConnectStack.QueryOf(callback);
        string[] secretValues =
        [
            query["code"], query["state"], completion, binding!.Split('=')[1], firstRefreshToken, firstAccessToken,
            await secrets.ReadRefreshTokenAsync(refreshed, CancellationToken.None),
            (await secrets.ReadAccessTokenAsync(refreshed, CancellationToken.None))!,
        ];
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(logs.Messages);
        Assert.Contains(logs.Messages, m => m.Contains("authorized: pending completion", StringComparison.Ordinal));
        Assert.All(secretValues, secret => Assert.DoesNotContain(logs.Messages, m => m.Contains(secret, StringComparison.Ordinal)));
    }
}
