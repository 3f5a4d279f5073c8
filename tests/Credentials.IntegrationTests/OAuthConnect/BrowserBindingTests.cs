using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.OAuthConnect;

/// <summary>
/// The completion hand-over over HTTP: the binding cookie the callback sets, completions with and without it, a server
/// completion declared at start, the form-post page, the account shown, and a completion lifetime set shorter.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed partial class BrowserBindingTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly string[] OpenId = ["openid"];
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private ConnectStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ConnectStack.StartAsync(azurite,
        settings: new Dictionary<string, string?> { ["Connect:CompletionLifetime"] = "00:02:00" },
        configureServices: services => services.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task The_callback_binds_the_pending_connection_with_a_host_only_secure_lax_cookie_whose_hash_alone_is_stored()
    {
        using var callback = await CallbackAsync("u1", new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase });

        var setCookie = Assert.Single(callback.Headers.GetValues("Set-Cookie"));
        Assert.Matches("^__Host-credentials-binding=[A-Za-z0-9_-]{43}; max-age=120; path=/; secure; samesite=lax; httponly$", setCookie);
        var value = ConnectStack.BindingCookieOf(callback)!.Split('=')[1];
        var pending = Assert.Single(await _stack.RowsAsync(_stack.StatesTable), row => row.RowKey == "pending");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value))), pending.GetString("BrowserBinding"));
    }

    [Fact]
    public async Task A_completion_without_the_consenting_browsers_cookie_is_refused_and_takes_nothing()
    {
        using var callback = await CallbackAsync("u1", new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase });
        var result = ConnectStack.FragmentOf(callback.Headers.Location!);
        var revocationsBefore = _stack.Sandbox.Revocations;

        using var withoutCookie = await _stack.CompleteAsync("u1", "mail", result["completion"]);
        using var otherBrowser = await _stack.CompleteAsync("u1", "mail", result["completion"], cookie: "__Host-credentials-binding=" + new string('A', 43));

        await ProblemAssert.IsAsync(withoutCookie, HttpStatusCode.Forbidden, "completion_browser_mismatch");
        await ProblemAssert.IsAsync(otherBrowser, HttpStatusCode.Forbidden, "completion_browser_mismatch");
        Assert.Single(await _stack.RowsAsync(_stack.StatesTable), row => row.RowKey == "pending");
        Assert.Equal(revocationsBefore, _stack.Sandbox.Revocations);
        using var fromTheBrowser = await _stack.CompleteAsync("u1", "mail", result["completion"], cookie: ConnectStack.BindingCookieOf(callback));
        Assert.Equal(HttpStatusCode.OK, fromTheBrowser.StatusCode);
    }

    [Fact]
    public async Task A_server_completion_declared_at_start_sets_and_needs_no_cookie()
    {
        using var callback = await CallbackAsync("u1", new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase, completion = "server" });

        Assert.False(callback.Headers.Contains("Set-Cookie"));
        Assert.Null((await _stack.RowsAsync(_stack.StatesTable)).Single(row => row.RowKey == "pending").GetString("BrowserBinding"));
        using var completed = await _stack.CompleteAsync("u1", "mail", ConnectStack.FragmentOf(callback.Headers.Location!)["completion"]);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    [Fact]
    public async Task Connections_started_one_after_another_in_one_browser_share_its_binding()
    {
        using var first = await CallbackAsync("u1", new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase });
        var cookie = ConnectStack.BindingCookieOf(first);
        using var second = await CallbackAsync("u1", new { provider = "sandbox", connectionId = "drive", returnUrl = ConnectStack.ReturnBase }, cookie);

        Assert.Equal(cookie, ConnectStack.BindingCookieOf(second));
        using var completedFirst = await _stack.CompleteAsync("u1", "mail", ConnectStack.FragmentOf(first.Headers.Location!)["completion"], cookie: cookie);
        using var completedSecond = await _stack.CompleteAsync("u1", "drive", ConnectStack.FragmentOf(second.Headers.Location!)["completion"], cookie: cookie);
        Assert.Equal(HttpStatusCode.OK, completedFirst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, completedSecond.StatusCode);
    }

    [Fact]
    public async Task Form_post_answers_a_self_submitting_form_to_the_return_url_under_a_hash_pinned_csp()
    {
        using var callback = await CallbackAsync("u1",
            new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase + "done", responseMode = "form_post", scopes = OpenId });

        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        Assert.Null(callback.Headers.Location);
        Assert.Equal("no-store", callback.Headers.CacheControl?.ToString());
        Assert.Equal("no-referrer", callback.Headers.GetValues("Referrer-Policy").Single());
        var page = await callback.Content.ReadAsStringAsync();
        var script = Assert.Single(ScriptOf().Matches(page)).Groups["script"].Value;
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)));
        Assert.Equal($"default-src 'none'; script-src 'sha256-{hash}'; form-action https://app.example.com; base-uri 'none'; frame-ancestors 'none'",
            callback.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains($"<form method=\"post\" action=\"{ConnectStack.ReturnBase}done\">", page, StringComparison.Ordinal);
        Assert.Contains("<input type=\"hidden\" name=\"status\" value=\"pending\">", page, StringComparison.Ordinal);
        Assert.Contains("<input type=\"hidden\" name=\"account\" value=\"sandbox-user-1\">", page, StringComparison.Ordinal);
        Assert.Contains("<noscript>", page, StringComparison.Ordinal);
        var completion = CompletionFieldOf().Match(page).Groups["code"].Value;
        using var completed = await _stack.CompleteAsync("u1", "mail", completion, cookie: ConnectStack.BindingCookieOf(callback));
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    [Fact]
    public async Task Unknown_hand_over_options_are_refused_at_start()
    {
        using var mode = await _stack.StartConnectionAsync("u1", new { provider = "sandbox", responseMode = "query" });
        using var completion = await _stack.StartConnectionAsync("u1", new { provider = "sandbox", completion = "anyone" });

        await ProblemAssert.IsAsync(mode, HttpStatusCode.BadRequest, "invalid_request");
        await ProblemAssert.IsAsync(completion, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task A_shorter_completion_lifetime_is_honoured()
    {
        using var callback = await CallbackAsync("u1", new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase });
        _time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));

        using var response = await _stack.CompleteAsync("u1", "mail", ConnectStack.FragmentOf(callback.Headers.Location!)["completion"],
            cookie: ConnectStack.BindingCookieOf(callback));

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "completion_expired");
        Assert.Null(await _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of("u1", "mail"), CancellationToken.None));
    }

    [Fact]
    public async Task The_development_cookie_drops_the_prefix_and_secure_for_http_loopback_only()
    {
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Connect:InsecureDevelopmentCookie"] = "true" });
        var url = await stack.StartAndGetAuthorizationUrlAsync("u1", new { provider = "sandbox", connectionId = "mail", returnUrl = ConnectStack.ReturnBase });
        using var callback = await stack.FollowToCallbackAsync(await stack.AuthorizeAtProviderAsync(url));

        Assert.Matches("^credentials-binding=[A-Za-z0-9_-]{43}; max-age=300; path=/; samesite=lax; httponly$", Assert.Single(callback.Headers.GetValues("Set-Cookie")));
        using var completed = await stack.CompleteAsync("u1", "mail", ConnectStack.FragmentOf(callback.Headers.Location!)["completion"],
            cookie: ConnectStack.BindingCookieOf(callback));
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    /// <summary>Start, consent at the sandbox (approving as sandbox-user-1) and follow the callback, carrying <paramref name="cookie"/> there.</summary>
    private async Task<HttpResponseMessage> CallbackAsync(string userId, object start, string? cookie = null)
    {
        var callback = await _stack.AuthorizeAtProviderAsync(await _stack.StartAndGetAuthorizationUrlAsync(userId, start));
        using var request = new HttpRequestMessage(HttpMethod.Get, callback);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return await plain.SendAsync(request);
    }

    [GeneratedRegex("<script>(?<script>[^<]*)</script>")]
    private static partial Regex ScriptOf();

    [GeneratedRegex("<input type=\"hidden\" name=\"completion\" value=\"(?<code>[A-Za-z0-9_-]+)\">")]
    private static partial Regex CompletionFieldOf();
}
