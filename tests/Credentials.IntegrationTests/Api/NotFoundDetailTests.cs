using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Tests.Support;

namespace Credentials.Tests.Api;

/// <summary>
/// A missing connection's 404 says which id to check (the user has none at all, or not this one) on every route that
/// names one, and nothing of the user's other connections.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class NotFoundDetailTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ConnectStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await ConnectStack.StartAsync(azurite);
        await _stack.ConnectAllAsync("u1", "mail");
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Theory]
    [InlineData("api/users/{0}/connections/{1}", ConnectStack.Caller)]
    [InlineData("api/users/{0}/connections/{1}/access-token", ConnectStack.Caller)]
    [InlineData("api/proxy/users/{0}/connections/{1}/api/me", ConnectStack.ProxyCaller)]
    public async Task A_wrong_user_and_a_wrong_connection_get_different_details(string route, string caller)
    {
        var wrongUser = await DetailAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, route, "u1-typo", "mail"), caller);
        var wrongConnection = await DetailAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, route, "u1", "calendar"), caller);

        Assert.Equal("User 'u1-typo' has no connections at all: check the user id (ids are case-sensitive), or connect one first.", wrongUser);
        Assert.StartsWith("User 'u1' has no connection 'calendar': check the connection id", wrongConnection, StringComparison.Ordinal);
        Assert.DoesNotContain("mail", wrongConnection, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_without_the_api_prefix_is_pointed_to_it()
    {
        using var response = await _stack.Host.Client.GetAsync(new Uri("users/u1/connections", UriKind.Relative));

        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (response.StatusCode, problem.GetProperty("code").GetString()));
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("did you mean /api/users/u1/connections?", detail, StringComparison.Ordinal);
    }

    private async Task<string> DetailAsync(string path, string caller)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _stack.CallerToken(caller));
        using var response = await _stack.Host.Client.SendAsync(request);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((HttpStatusCode.NotFound, "connection_not_found"), (response.StatusCode, problem.GetProperty("code").GetString()));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return problem.GetProperty("detail").GetString()!;
    }
}
