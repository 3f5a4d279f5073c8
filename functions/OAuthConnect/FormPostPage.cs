using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// The <see cref="ResponseMode.FormPost"/> hand-over: a page whose only script, pinned by its hash in the CSP, submits a
/// form of hidden fields to the return URL; without script a button does. The CSP lets the form go only to the return
/// URL's origin, so the page cannot be turned into a way to post the code elsewhere.
/// </summary>
internal static class FormPostPage
{
    private const string Script = "document.forms[0].submit()";
    private static readonly string ScriptHash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Script)));

    public static IActionResult For(HttpContext http, Uri returnUrl, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'sha256-{ScriptHash}'; form-action {returnUrl.GetLeftPart(UriPartial.Authority)}; base-uri 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        var inputs = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            inputs.Append(System.Globalization.CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(name)}\" value=\"{WebUtility.HtmlEncode(value)}\">");
        }

        return new ContentResult
        {
            StatusCode = StatusCodes.Status200OK,
            ContentType = "text/html; charset=utf-8",
            Content = $"""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>Returning to the application</title></head>
                <body><form method="post" action="{WebUtility.HtmlEncode(returnUrl.AbsoluteUri)}">{inputs}<noscript><p>Returning to the application.</p>
                <button type="submit">Continue</button></noscript></form><script>{Script}</script></body></html>
                """,
        };
    }
}
