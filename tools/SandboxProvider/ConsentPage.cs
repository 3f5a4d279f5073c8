using System.Collections.Immutable;
using System.Net;
using System.Text;
using OpenIddict.Abstractions;

namespace Credentials.SandboxProvider;

/// <summary>A one-screen consent page for people connecting the sandbox by hand; it posts the request back with a decision.</summary>
internal static class ConsentPage
{
    public static string Render(OpenIddictRequest request)
    {
        var hidden = new StringBuilder();
        foreach (var (name, value) in request.GetParameters())
        {
            foreach (var single in ((ImmutableArray<string?>?)value) ?? [])
            {
                hidden.Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(name))
                    .Append("\" value=\"").Append(WebUtility.HtmlEncode(single)).Append("\">");
            }
        }

        var scopes = WebUtility.HtmlEncode(string.Join(", ", request.GetScopes()));
        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Sandbox provider: grant access?</title>
            <style>body{"{"}font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem{"}"}button{"{"}margin-right:.5rem{"}"}</style></head>
            <body><h1>Sandbox provider</h1>
            <p><strong>{WebUtility.HtmlEncode(request.ClientId)}</strong> asks for: {scopes}</p>
            <form method="post">{hidden}
            <label>Sign in as <input name="{AuthorizationEndpoint.UserField}" value="sandbox-user" required></label>
            <p><button name="{AuthorizationEndpoint.DecisionField}" value="approve">Allow</button>
            <button name="{AuthorizationEndpoint.DecisionField}" value="deny">Deny</button></p>
            </form></body></html>
            """;
    }
}
