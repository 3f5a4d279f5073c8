using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Tests.Support;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;

namespace Credentials.Tests.OAuthConnect;

/// <summary>
/// How the completion code reaches the application and who may use it, in a real browser: in the return URL's fragment
/// or by a self-submitting form, never in a URL the application's server or a Referer sees, and only together with the
/// binding cookie of the browser that consented. The application's server at the return URL is stood in for by a route
/// that logs every request it receives (method, URL, Referer, body), as its access log would.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class CompletionInBrowserTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _applicationLog = new();
    private ConnectStack _stack = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _stack = await ConnectStack.StartAsync(azurite, sandbox => sandbox.AutoApproveAs = null);
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task The_code_arrives_in_the_fragment_and_never_in_a_url_or_referer_the_application_server_sees()
    {
        var (browser, page) = await NewApplicationBrowserAsync();

        await ConsentAsync(page, await StartAsync("alice", scopes: ["openid"]), "alice-at-sandbox");
        await page.WaitForURLAsync(ConnectStack.ReturnBase + "**");
        // The landed page loads a picture, so the browser sends its URL as a Referer once more.
        await page.Locator("img").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await WaitForLogAsync(entry => entry.Contains("pixel.png", StringComparison.Ordinal));

        var landed = ConnectStack.FragmentOf(new Uri(page.Url));
        Assert.Equal("pending", landed["status"]);
        Assert.Equal("alice-at-sandbox", landed["account"]);
        Assert.Empty(new Uri(page.Url).Query);
        Assert.NotEmpty(_applicationLog);
        Assert.DoesNotContain(_applicationLog, entry => entry.Contains(landed["completion"], StringComparison.Ordinal));
        Assert.Contains(_applicationLog, entry => entry.Contains("referer=" + ConnectStack.ReturnBase + "connected", StringComparison.Ordinal));

        using var completed = await CompleteFromAsync(browser, "alice", landed["connectionId"], landed["completion"]);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    [Fact]
    public async Task Form_post_hands_the_code_to_the_application_server_in_a_posted_body_without_a_referer()
    {
        var (browser, page) = await NewApplicationBrowserAsync();

        await ConsentAsync(page, await StartAsync("bob", responseMode: "form_post"), "bob-at-sandbox");
        await page.WaitForURLAsync(ConnectStack.ReturnBase + "**");
        await WaitForLogAsync(entry => entry.StartsWith("POST ", StringComparison.Ordinal));

        var post = Assert.Single(_applicationLog, entry => entry.StartsWith("POST ", StringComparison.Ordinal));
        var form = QueryHelpers.ParseQuery(post[(post.IndexOf(" body=", StringComparison.Ordinal) + 6)..]);
        Assert.Equal("pending", form["status"].ToString());
        Assert.StartsWith("POST " + ConnectStack.ReturnBase + "connected referer=(none) ", post, StringComparison.Ordinal);
        Assert.Equal(ConnectStack.ReturnBase + "connected", page.Url);
        var completion = form["completion"].ToString();
        Assert.Equal(1, _applicationLog.Count(entry => entry.Contains(completion, StringComparison.Ordinal)));

        using var completed = await CompleteFromAsync(browser, "bob", form["connectionId"].ToString(), completion);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    [Fact]
    public async Task Another_browser_with_the_code_is_refused_and_the_consenting_browser_still_completes()
    {
        var (consenting, page) = await NewApplicationBrowserAsync();
        await ConsentAsync(page, await StartAsync("carol"), "carol-at-sandbox");
        await page.WaitForURLAsync(ConnectStack.ReturnBase + "**");
        var landed = ConnectStack.FragmentOf(new Uri(page.Url));
        var (elsewhere, _) = await NewApplicationBrowserAsync();

        using var fromElsewhere = await CompleteFromAsync(elsewhere, "carol", landed["connectionId"], landed["completion"]);
        await ProblemAssert.IsAsync(fromElsewhere, HttpStatusCode.Forbidden, "completion_browser_mismatch");
        Assert.Empty(await ConnectionsOfAsync("carol"));

        using var fromConsenting = await CompleteFromAsync(consenting, "carol", landed["connectionId"], landed["completion"]);
        Assert.Equal(HttpStatusCode.OK, fromConsenting.StatusCode);
        Assert.Single(await ConnectionsOfAsync("carol"));
    }

    private async Task<string> StartAsync(string userId, string? responseMode = null, string[]? scopes = null)
    {
        using var response = await _stack.StartConnectionAsync(userId,
            new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase + "connected", responseMode, scopes }, _stack.UserToken(userId));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!;
    }

    private static async Task ConsentAsync(IPage page, string authorizationUrl, string account)
    {
        await page.GotoAsync(authorizationUrl);
        await page.GetByLabel("Sign in as").FillAsync(account);
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
    }

    /// <summary>A fresh browser (context) in which the application's return URL is answered, and logged, by a stub server.</summary>
    private async Task<(IBrowserContext Browser, IPage Page)> NewApplicationBrowserAsync()
    {
        var context = await _browser.NewContextAsync();
        await context.RouteAsync(ConnectStack.ReturnBase + "**", async route =>
        {
            var request = route.Request;
            var referer = request.Headers.TryGetValue("referer", out var value) ? value : "(none)";
            _applicationLog.Enqueue($"{request.Method} {request.Url} referer={referer} body={request.PostData}");
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200,
                ContentType = "text/html",
                Body = "<!doctype html><title>Application</title><h1>Settings</h1><img src=\"pixel.png\" alt=\"\">",
            });
        });
        return (context, await context.NewPageAsync());
    }

    /// <summary>The application's completion call made with what this browser holds for the service's host (its binding cookie, if any).</summary>
    private async Task<HttpResponseMessage> CompleteFromAsync(IBrowserContext browser, string userId, string connectionId, string completion) =>
        await _stack.CompleteAsync(userId, connectionId, completion, cookie: await Chromium.CookieHeaderAsync(browser, _stack.Host.BaseAddress.Host));

    private async Task WaitForLogAsync(Func<string, bool> entry)
    {
        for (var attempt = 0; attempt < 100 && !_applicationLog.Any(entry); attempt++)
        {
            await Task.Delay(50);
        }

        Assert.Contains(_applicationLog, entry.Invoke);
    }

    private async Task<List<JsonElement>> ConnectionsOfAsync(string userId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{userId}/connections");
        request.Headers.Authorization = new("Bearer", _stack.UserToken(userId));
        using var response = await _stack.Host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("connections").EnumerateArray().ToList();
    }
}
