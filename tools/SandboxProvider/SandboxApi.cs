using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Credentials.SandboxProvider;

/// <summary>
/// The sandbox provider's own API, the resource server its access tokens are for: it accepts only a valid, unexpired,
/// unrevoked token issued for it, as a third-party API does, and says whose it is and what it may do. Beside it, two APIs
/// that are not OAuth: <c>/keyed/…</c> takes an API key in <c>X-Api-Key</c> and <c>/basic/…</c> HTTP basic credentials
/// (<see cref="SandboxProviderOptions.ApiKeys"/>, <see cref="SandboxProviderOptions.BasicUsers"/>); each answers 401 otherwise.
/// </summary>
internal static class SandboxApi
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/me", (HttpContext http) =>
        {
            var user = http.User;
            return Results.Json(new
            {
                sub = user.GetClaim(Claims.Subject),
                scope = string.Join(' ', user.GetScopes()),
                method = http.Request.Method,
            });
        }).RequireAuthorization(policy => policy.AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme).RequireAuthenticatedUser());

        app.Map("/keyed/{**path}", (HttpContext http, SandboxProviderOptions options) =>
            options.ApiKeys.TryGetValue(http.Request.Headers["X-Api-Key"].ToString(), out var user)
                ? Results.Json(new { sub = user, method = http.Request.Method, path = http.Request.Path.Value, authorization = http.Request.Headers.Authorization.ToString() })
                : Results.Json(new { error = "invalid_api_key" }, statusCode: StatusCodes.Status401Unauthorized));

        app.Map("/basic/{**path}", (HttpContext http, SandboxProviderOptions options) =>
        {
            var header = http.Request.Headers.Authorization.ToString();
            string? user = null;
            if (header.StartsWith("Basic ", StringComparison.Ordinal))
            {
                try
                {
                    var pair = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])).Split(':', 2);
                    user = pair.Length == 2 && options.BasicUsers.TryGetValue(pair[0], out var password) && password == pair[1] ? pair[0] : null;
                }
                catch (FormatException)
                {
                    user = null;
                }
            }

            if (user is null)
            {
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"sandbox\"";
                return Results.Json(new { error = "invalid_credentials" }, statusCode: StatusCodes.Status401Unauthorized);
            }

            return Results.Json(new { sub = user, method = http.Request.Method, path = http.Request.Path.Value });
        });
    }
}
