using Microsoft.Playwright;

namespace Credentials.Tests.Support;

/// <summary>
/// Debian's chromium, driven by Playwright: its own browser download cannot run offline, so the browser comes from the
/// machine (test.sh installs the <c>chromium</c> package; <c>CHROMIUM_PATH</c> overrides where it is).
/// </summary>
internal static class Chromium
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: install Debian's chromium (test.sh does), or set CHROMIUM_PATH.");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // As root in CI there is no user namespace for the sandbox; the rest keeps chromium off the (closed) network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    /// <summary>What <paramref name="context"/> holds for <paramref name="host"/>, as a <c>Cookie</c> header value; null when nothing.</summary>
    public static async Task<string?> CookieHeaderAsync(IBrowserContext context, string host)
    {
        var cookies = (await context.CookiesAsync()).Where(c => c.Domain == host).ToList();
        return cookies.Count == 0 ? null : string.Join("; ", cookies.Select(c => $"{c.Name}={c.Value}"));
    }
}
