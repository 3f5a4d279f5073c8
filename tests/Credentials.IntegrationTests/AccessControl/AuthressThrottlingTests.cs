using System.Net;
using System.Net.Http.Headers;
using Credentials.Tests.Support;

namespace Credentials.Tests.AccessControl;

/// <summary>
/// Authress answering 429 is asked once per request, never retried (a retry would only add to the throttling), and the
/// caller gets 503 authorization_unavailable with Retry-After; a 503 from Authress is retried.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class AuthressThrottlingTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData(429, 1)]
    [InlineData(503, 2)]
    public async Task A_throttled_authorization_is_asked_once_and_an_unavailable_one_is_retried(int status, int expectedCalls)
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Authress:MaxRetries"] = "1" });
        var before = stack.Authress.AuthorizeRequestTargets.Count;
        stack.Authress.ForcedStatus = status;

        using var request = new HttpRequestMessage(HttpMethod.Get, "api/users/u9/connections");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.CallerToken());
        using var response = await stack.Host.Client.SendAsync(request);
        stack.Authress.ForcedStatus = null;

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "authorization_unavailable");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(expectedCalls, stack.Authress.AuthorizeRequestTargets.Count - before);
    }
}
