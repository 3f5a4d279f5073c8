using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// Turns a callback outcome into what the browser sees: the result handed to the state's (allow-listed) return URL in
/// its fragment or as a form POST, or a small self-contained result page. None lets the callback URL, which carried the
/// code and state, leak as a Referer, and none puts the completion code in a URL that a server, proxy or log would see.
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
            var parameters = ResultParameters(outcome, outcome.State);
            if (outcome.State.ResponseMode == ResponseMode.FormPost)
            {
                return FormPostPage.For(http, returnUrl, parameters);
            }

            // Not a RedirectResult: MVC logs its URL at Information, and this one carries the one-time completion code.
            headers.Location = returnUrl.AbsoluteUri + "#" + string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
            return new StatusCodeResult(StatusCodes.Status302Found);
        }

        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        var provider = WebUtility.HtmlEncode(outcome.State?.ProviderId ?? "the provider");
        var account = outcome.Account is { } named
            ? $"<p>The account that granted access: <strong id=\"account\">{WebUtility.HtmlEncode(named)}</strong>. If that is not the account you meant " +
                "to connect, do not enter the code.</p>"
            : string.Empty;
        var (status, heading, message) = outcome.Error switch
        {
            null when outcome.Pending => (StatusCodes.Status200OK, "Almost connected",
                $"<p>Access to <strong>{provider}</strong> was granted. To finish, go back to the application where you started " +
                "connecting and enter this one-time code, signed in as yourself:</p>" +
                $"<p><code id=\"completion\">{WebUtility.HtmlEncode(outcome.CompletionCode)}</code></p>" + account +
                "<p><strong>If you did not start connecting an account yourself, close this window.</strong> Never give this code " +
                "to anyone: whoever completes with it gets access to your account. Unused, it expires on its own and the access is revoked.</p>"),
            null => (StatusCodes.Status200OK, "Connected",
                $"<p>Your <strong>{provider}</strong> account is connected. You can close this window and return to the application.</p>"),
            CallbackErrors.AccessDenied => (StatusCodes.Status400BadRequest, "Not connected", "<p>Access was not granted at the provider.</p>"),
            CallbackErrors.ProviderUnavailable => (StatusCodes.Status503ServiceUnavailable, "Not connected", "<p>The provider could not be reached. Please start again later.</p>"),
            CallbackErrors.ExchangeFailed or CallbackErrors.NoRefreshToken => (StatusCodes.Status502BadGateway, "Not connected", "<p>The provider did not issue lasting access. Please start again.</p>"),
            _ => (StatusCodes.Status400BadRequest, "Not connected", "<p>This sign-in link is not valid any more. Please start again.</p>"),
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
                <body><h1>{heading}</h1>{message}{code}</body></html>
                """,
        };
    }

    /// <summary>What the return URL receives: <c>status</c> (pending or connected) or <c>error</c>, the connection id, and for a pending one the code and account.</summary>
    private static List<KeyValuePair<string, string>> ResultParameters(CallbackOutcome outcome, OAuthState state)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        parameters.Add(outcome.Succeeded ? new("status", outcome.Pending ? "pending" : "connected") : new("error", outcome.Error!));
        parameters.Add(new("connectionId", state.ConnectionId));
        if (outcome.Pending)
        {
            parameters.Add(new("completion", outcome.CompletionCode!));
            if (outcome.Account is { } account)
            {
                parameters.Add(new("account", account));
            }
        }

        return parameters;
    }
}
