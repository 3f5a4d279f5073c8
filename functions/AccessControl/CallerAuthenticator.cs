using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.AccessControl;

/// <summary>
/// Authenticates a caller's bearer JWT against the configured trusted issuers with Microsoft.IdentityModel (EdDSA
/// plugged in through <see cref="EdDsa.Ed25519SecurityKey"/>). Every failure is a value with a safe description.
/// </summary>
public sealed partial class CallerAuthenticator(
    IOptions<CallerAuthenticationOptions> options,
    SigningKeyCache signingKeys,
    ValidatedTokenCache validatedTokens,
    ILogger<CallerAuthenticator> logger)
{
    private const int MaxTokenLength = 16 * 1024;
    private const string ClientsPathPrefix = "/v1/clients/";
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    public async Task<Result<Caller, AuthenticationFailure>> AuthenticateAsync(string? authorizationHeader, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(authorizationHeader))
        {
            return AuthenticationFailure.Missing;
        }

        if (!authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticationFailure.Invalid("The Authorization header must carry a Bearer token.");
        }

        var token = authorizationHeader["Bearer ".Length..].Trim();
        if (token.Length is 0 or > MaxTokenLength || !Handler.CanReadToken(token))
        {
            return AuthenticationFailure.Invalid("The token is malformed.");
        }

        if (validatedTokens.Find(token) is { } known)
        {
            return known;
        }

        JsonWebToken parsed;
        try
        {
            parsed = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return AuthenticationFailure.Invalid("The token is malformed.");
        }

        if (Match(parsed.Issuer) is not { } match)
        {
            return AuthenticationFailure.Invalid("The token's issuer is not trusted.");
        }

        if (match.Trusted.ServiceClientsOnly && match.ServiceClientId is null)
        {
            return AuthenticationFailure.Invalid("This issuer's user tokens are not accepted here, only its service clients' tokens.");
        }

        var jwksUri = match.Trusted.Kind == IssuerKind.Authress
            ? new Uri(parsed.Issuer.TrimEnd('/') + "/.well-known/openid-configuration/jwks")
            : await signingKeys.DiscoverJwksUriAsync(match.Trusted.Issuer!, cancellationToken);
        if (jwksUri is null)
        {
            return AuthenticationFailure.KeysUnavailable;
        }

        var lookup = await signingKeys.GetKeysAsync(jwksUri, match.Trusted.Issuer!, string.IsNullOrEmpty(parsed.Kid) ? null : parsed.Kid, cancellationToken);
        if (lookup.Unavailable)
        {
            return AuthenticationFailure.KeysUnavailable;
        }

        var keys = lookup.Keys;
        var validation = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = parsed.Issuer,
            ValidateIssuer = true,
            ValidAudiences = match.Trusted.EffectiveAudiences,
            // An Authress service-client token's aud is its account's, whatever it is for: its issuer path binds it instead.
            ValidateAudience = match.ServiceClientId is null,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = options.Value.ClockSkew,
            RequireSignedTokens = true,
            IssuerSigningKeys = keys,
            TryAllIssuerSigningKeys = string.IsNullOrEmpty(parsed.Kid),
            ValidAlgorithms = match.Trusted.EffectiveAlgorithms,
            ValidateTokenReplay = false,
        });
        if (!validation.IsValid)
        {
            var description = Describe(validation.Exception);
            LogRejected(logger, description, match.Trusted.Issuer!);
            return validation.Exception is SecurityTokenInvalidAudienceException
                ? AuthenticationFailure.WrongAudience(description)
                : AuthenticationFailure.Invalid(description);
        }

        var subject = validation.Claims.TryGetValue("sub", out var sub) ? sub as string : null;
        if (string.IsNullOrEmpty(subject))
        {
            return AuthenticationFailure.Invalid("The token has no subject.");
        }

        if (match.ServiceClientId is { } clientId && !string.Equals(subject, clientId, StringComparison.Ordinal))
        {
            return AuthenticationFailure.Invalid("A service-client token's subject must be the client it was issued to.");
        }

        if (string.IsNullOrEmpty(match.Trusted.SubjectPrefix) && IsReservedForAnotherIssuer(subject))
        {
            LogRejected(logger, "subject reserved for another issuer", match.Trusted.Issuer!);
            return AuthenticationFailure.Invalid("The token's subject starts with another trusted issuer's subject prefix.");
        }

        var kind = match.Trusted.Kind switch
        {
            IssuerKind.Authress => match.ServiceClientId is null ? CallerKind.User : CallerKind.Service,
            _ => match.Trusted.IssuesUserTokens ? CallerKind.User : CallerKind.Service,
        };
        var caller = new Caller(match.Trusted.SubjectPrefix + subject, kind, match.Trusted.Issuer!.AbsoluteUri, subject);
        validatedTokens.Add(token, caller, new DateTimeOffset(parsed.ValidTo, TimeSpan.Zero), options.Value.SigningKeyLifetime);
        return caller;
    }

    /// <summary>
    /// The bare subjects of the one issuer without a prefix must not look like another issuer's prefixed ones, or two
    /// callers would share one Authress user id.
    /// </summary>
    private bool IsReservedForAnotherIssuer(string subject) =>
        options.Value.Issuers.Any(i => !string.IsNullOrEmpty(i.SubjectPrefix) && subject.StartsWith(i.SubjectPrefix, StringComparison.Ordinal));

    private IssuerMatch? Match(string? issuer)
    {
        if (!Uri.TryCreate(issuer, UriKind.Absolute, out var uri))
        {
            return null;
        }

        foreach (var trusted in options.Value.Issuers)
        {
            if (trusted.Kind == IssuerKind.Oidc)
            {
                if (string.Equals(trusted.Issuer!.OriginalString.TrimEnd('/'), issuer!.TrimEnd('/'), StringComparison.Ordinal))
                {
                    return new IssuerMatch(trusted, null);
                }

                continue;
            }

            if (!string.Equals(trusted.Issuer!.GetLeftPart(UriPartial.Authority), uri.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase)
                || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            {
                continue;
            }

            var path = uri.AbsolutePath;
            if (path is "" or "/")
            {
                return new IssuerMatch(trusted, null);
            }

            // Service clients: exactly one further segment after /v1/clients/, of Authress id characters only (nothing
            // escaped, no dots), since it becomes part of the JWKS URI that is fetched.
            if (path.StartsWith(ClientsPathPrefix, StringComparison.Ordinal) && ServiceClientId().IsMatch(path.AsSpan(ClientsPathPrefix.Length)))
            {
                return new IssuerMatch(trusted, path[ClientsPathPrefix.Length..]);
            }
        }

        return null;
    }

    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        SecurityTokenInvalidAudienceException => "The token's audience (aud) is missing or not one this service accepts.",
        SecurityTokenInvalidAlgorithmException => "The token's signing algorithm is not accepted.",
        SecurityTokenSignatureKeyNotFoundException => "The token's signing key is not known.",
        SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        _ => "The token is not valid.",
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex ServiceClientId();

    private sealed record IssuerMatch(TrustedIssuer Trusted, string? ServiceClientId);

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Rejected a bearer token from issuer {Issuer}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason, Uri issuer);
}
