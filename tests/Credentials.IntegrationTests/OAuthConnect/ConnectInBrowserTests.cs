using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Tests.Support;
using Microsoft.Playwright;

namespace Credentials.Tests.OAuthConnect;

/// <summary>
/// The pages a person sees, in a real browser: the sandbox's consent page, the callback's redirect or result page, and
/// the completion. The application's own page at the return URL is stood in for by a route that serves a stub page.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ConnectInBrowserTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ConnectStack _stack = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        // No auto-approval: a person signs in at the sandbox's consent page.
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
    public async Task A_user_connects_by_clicking_through_consent_and_the_application_completes_it()
    {
        var authorizationUrl = await StartAsync("alice", ConnectStack.ReturnBase + "connected");
        var page = await NewApplicationContextPageAsync();

        await page.GotoAsync(authorizationUrl);
        await page.GetByLabel("Sign in as").FillAsync("alice-at-sandbox");
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await page.WaitForURLAsync(ConnectStack.ReturnBase + "**");

        var landed = ConnectStack.FragmentOf(new Uri(page.Url));
        Assert.Equal("pending", landed["status"]);
        Assert.Equal("mail", landed["connectionId"]);
        Assert.Empty(await ConnectionsOfAsync("alice"));

        // The application, signed in as alice, completes from this browser with the code its page received.
        using var completed = await _stack.CompleteAsync("alice", landed["connectionId"], landed["completion"], cookie: await CookiesOfAsync(page));
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal("active", Assert.Single(await ConnectionsOfAsync("alice")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_a_return_url_the_result_page_shows_the_code_to_take_back_to_the_application()
    {
        var authorizationUrl = await StartAsync("bob", returnUrl: null, scopes: ["openid"]);
        var page = await (await _browser.NewContextAsync()).NewPageAsync();

        await page.GotoAsync(authorizationUrl);
        await page.GetByLabel("Sign in as").FillAsync("bob-at-sandbox");
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Almost connected" }).WaitForAsync();
        var completion = await page.Locator("#completion").TextContentAsync();

        Assert.Contains("If you did not start connecting an account yourself", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal("bob-at-sandbox", await page.Locator("#account").TextContentAsync());
        Assert.Empty(await ConnectionsOfAsync("bob"));
        using var completed = await _stack.CompleteAsync("bob", "mail", completion, cookie: await CookiesOfAsync(page));
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Single(await ConnectionsOfAsync("bob"));
    }

    [Fact]
    public async Task A_victim_consenting_in_another_browser_to_an_attackers_link_gives_the_attacker_nothing()
    {
        // The attacker starts a connection for themselves and sends the link to a victim, whose browser is signed in to
        // nothing of the attacker's.
        var attackersLink = await StartAsync("mallory", ConnectStack.ReturnBase + "connected");
        var victim = await NewApplicationContextPageAsync();

        await victim.GotoAsync(attackersLink);
        await victim.GetByLabel("Sign in as").FillAsync("victim-at-sandbox");
        await victim.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await victim.WaitForURLAsync(ConnectStack.ReturnBase + "**");
        var landed = ConnectStack.FragmentOf(new Uri(victim.Url));

        Assert.Equal("pending", landed["status"]);
        Assert.Empty(await ConnectionsOfAsync("mallory"));
        // Were the code to leak to the attacker, their own browser lacks the victim's binding cookie: refused, nothing taken.
        using var asAttacker = await _stack.CompleteAsync("mallory", landed["connectionId"], landed["completion"]);
        await ProblemAssert.IsAsync(asAttacker, HttpStatusCode.Forbidden, "completion_browser_mismatch");
        // The victim's application, signed in as the victim, cannot take it either: the code is discarded and revoked.
        using var asVictim = await _stack.CompleteAsync("victim", landed["connectionId"], landed["completion"], cookie: await CookiesOfAsync(victim));
        await ProblemAssert.IsAsync(asVictim, HttpStatusCode.BadRequest, "invalid_completion");
        Assert.Empty(await ConnectionsOfAsync("mallory"));
        Assert.Empty(await ConnectionsOfAsync("victim"));
    }

    private async Task<string> StartAsync(string userId, string? returnUrl, string[]? scopes = null)
    {
        using var response = await _stack.StartConnectionAsync(userId, new { provider = "sandbox", connectionId = "mail", returnUrl, scopes }, _stack.UserToken(userId));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!;
    }

    /// <summary>A fresh browser context in which the application's return URL answers with a stub page.</summary>
    private async Task<IPage> NewApplicationContextPageAsync()
    {
        var context = await _browser.NewContextAsync();
        await context.RouteAsync(ConnectStack.ReturnBase + "**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "text/html",
            Body = "<!doctype html><title>Application</title><h1>Settings</h1>",
        }));
        return await context.NewPageAsync();
    }

    private Task<string?> CookiesOfAsync(IPage page) => Chromium.CookieHeaderAsync(page.Context, _stack.Host.BaseAddress.Host);

    private async Task<List<JsonElement>> ConnectionsOfAsync(string userId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{userId}/connections");
        request.Headers.Authorization = new("Bearer", _stack.UserToken(userId));
        using var response = await _stack.Host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("connections").EnumerateArray().ToList();
    }
}
