using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Credentials.SandboxProvider;

/// <summary>
/// The user's side of the authorization endpoint: OpenIddict has already validated the client, redirect URI and PKCE
/// challenge; this decides who approves (the configured test user, or a person on the consent page) or denies.
/// </summary>
internal static class AuthorizationEndpoint
{
    public const string DecisionField = "sandbox_decision";
    public const string UserField = "sandbox_user";

    public static async Task<IResult> HandleAsync(HttpContext http, SandboxProviderOptions options)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not attach the authorization request.");

        var subject = options.AutoApproveAs;
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync();
            if (form[DecisionField] == "deny")
            {
                return Results.Forbid(
                    new AuthenticationProperties(new Dictionary<string, string?>
                    {
                        [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.AccessDenied,
                        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The user declined to grant access.",
                    }),
                    [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            }

            if (form[DecisionField] == "approve" && form[UserField].ToString() is { Length: > 0 } user)
            {
                subject = user;
            }
        }

        if (subject is null)
        {
            return Results.Content(ConsentPage.Render(request), "text/html; charset=utf-8");
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject).SetClaim(Claims.Name, subject).SetClaim(Claims.PreferredUsername, subject);
        identity.SetScopes(request.GetScopes().Intersect(options.Scopes, StringComparer.Ordinal));
        identity.SetResources(options.ApiClientId);
        identity.SetDestinations(DestinationsOf);
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>Every claim goes into the access token; who the user is goes into the ID token too (issued when <c>openid</c> was granted).</summary>
    public static IEnumerable<string> DestinationsOf(Claim claim) => claim.Type is Claims.Subject or Claims.Name or Claims.PreferredUsername
        ? [Destinations.AccessToken, Destinations.IdentityToken]
        : [Destinations.AccessToken];
}
