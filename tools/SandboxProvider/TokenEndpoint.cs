using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Credentials.SandboxProvider;

/// <summary>
/// Code and refresh grants: OpenIddict has validated the code or refresh token (redeemed, revoked, PKCE verifier); this
/// re-issues tokens for the same user and scopes.
/// </summary>
internal static class TokenEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not attach the token request.");
        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
        {
            return Results.Forbid(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.UnsupportedGrantType,
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal)
        {
            return Results.Forbid(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        principal.SetDestinations(AuthorizationEndpoint.DestinationsOf);
        // Custom parameters in the properties are added to the token response by OpenIddict.
        var instanceUrl = http.RequestServices.GetRequiredService<SandboxProviderOptions>().InstanceUrl;
        var properties = instanceUrl is null ? null : new AuthenticationProperties(
            new Dictionary<string, string?>(), new Dictionary<string, object?> { ["instance_url"] = instanceUrl.GetLeftPart(UriPartial.Authority) });
        return Results.SignIn(principal, properties, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
