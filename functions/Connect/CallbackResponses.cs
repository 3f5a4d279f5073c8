using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Credentials.Functions.Connect;

/// <summary>
/// Turns a callback outcome into what the browser sees: a redirect to the state's (allow-listed) return URL, or a small
/// self-contained result page. Neither lets the callback URL, which carried the code and state, leak as a Referer.
/// </summary>
internal static class CallbackResponses
{
    public static IActionResult For(HttpContext http, CallbackOutcome outcome)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        if (outcome.State?.ReturnUrl is { } returnUrl)
        {
            var parameters = outcome.Connected
                ? new Dictionary<string, string?> { ["status"] = "connected", ["connectionId"] = outcome.State.ConnectionId }
                : new Dictionary<string, string?> { ["error"] = outcome.Error, ["connectionId"] = outcome.State.ConnectionId };
            return new RedirectResult(QueryHelpers.AddQueryString(returnUrl.AbsoluteUri, parameters), permanent: false);
        }

        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        var (status, heading, message) = outcome.Error switch
        {
            null => (StatusCodes.Status200OK, "Connected", "Access was granted. You can close this window."),
            CallbackErrors.AccessDenied => (StatusCodes.Status400BadRequest, "Not connected", "Access was not granted at the provider."),
            CallbackErrors.ProviderUnavailable => (StatusCodes.Status503ServiceUnavailable, "Not connected", "The provider could not be reached. Please start again later."),
            CallbackErrors.ExchangeFailed or CallbackErrors.NoRefreshToken => (StatusCodes.Status502BadGateway, "Not connected", "The provider did not issue lasting access. Please start again."),
            _ => (StatusCodes.Status400BadRequest, "Not connected", "This sign-in link is not valid any more. Please start again."),
        };
        var code = outcome.Error is null ? string.Empty : $"<p><small>Error code: <code>{WebUtility.HtmlEncode(outcome.Error)}</code></small></p>";
        return new ContentResult
        {
            StatusCode = status,
            ContentType = "text/html; charset=utf-8",
            Content = $"""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>{heading}</title>
                <style>body{"{"}font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem{"}"}</style></head>
                <body><h1>{heading}</h1><p>{message}</p>{code}</body></html>
                """,
        };
    }
}
