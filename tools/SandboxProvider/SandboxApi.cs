using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Credentials.SandboxProvider;

/// <summary>
/// The sandbox provider's own API, the resource server its access tokens are for: it accepts only a valid, unexpired,
/// unrevoked token issued for it, as a third-party API does, and says whose it is and what it may do.
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
    }
}
