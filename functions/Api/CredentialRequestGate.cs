using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation;
using Credentials.Functions.Foundation.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Credentials.Functions.Api;

public enum AdmissionFailureReason
{
    /// <summary>No bearer token was presented.</summary>
    AuthenticationRequired,

    /// <summary>The bearer token is not valid (RFC 6750 <c>invalid_token</c>).</summary>
    InvalidToken,

    /// <summary>The bearer token is well signed but not made out to this service (its <c>aud</c>): still RFC 6750 <c>invalid_token</c>.</summary>
    InvalidAudience,

    /// <summary>The token's issuer's signing keys cannot be fetched: the token may be fine.</summary>
    KeysUnavailable,

    /// <summary>A user or connection id breaks the id rule.</summary>
    InvalidIdentifier,

    Forbidden,

    /// <summary>No authorization decision could be had (Authress unreachable or throttling).</summary>
    AuthorizationUnavailable,

    /// <summary>The caller made more requests than its share (<see cref="CallerRateLimitOptions"/>).</summary>
    RateLimited,
}

/// <summary>Why a caller was not admitted, with a safe description and, when retrying helps, when.</summary>
public sealed record AdmissionFailure(AdmissionFailureReason Reason, string Description, TimeSpan? RetryAfter = null);

/// <summary>
/// The checks every credential operation runs first, in this order: authenticate the bearer token, the caller's rate
/// limit, validate the ids, authorize with Authress or self-service. It returns reasons; the REST routes answer them as problem+json
/// (<see cref="FailureProblems"/>) and the token-exchange endpoint as OAuth errors (<see cref="OAuthErrors"/>).
/// </summary>
public sealed class CredentialRequestGate(CallerAuthenticator authenticator, CallerRateLimiter rateLimiter, CredentialAuthorizer authorizer)
{
    /// <param name="apiOf">For the proxy: the provider API the request goes to, once the ids are valid (null: none), so the
    /// permission is asked on that API's resource under the connection.</param>
    public Task<Result<AdmittedCaller, AdmissionFailure>> AdmitAsync(HttpRequest request, string permission, string userId, string? connectionId,
        Func<ConnectionKey, Task<string?>>? apiOf = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return AdmitAsync(request.HttpContext, request.Headers.Authorization.ToString(), permission, userId, connectionId, apiOf);
    }

    /// <param name="authorization">The caller's credentials as an <c>Authorization</c> header value (<c>Bearer …</c>).</param>
    public async Task<Result<AdmittedCaller, AdmissionFailure>> AdmitAsync(HttpContext http, string? authorization, string permission, string userId, string? connectionId,
        Func<ConnectionKey, Task<string?>>? apiOf = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var authentication = await authenticator.AuthenticateAsync(authorization, http.RequestAborted);
        if (!authentication.Succeeded)
        {
            var failure = authentication.Failure;
            return failure.Kind switch
            {
                AuthenticationFailureKind.KeysUnavailable => new AdmissionFailure(AdmissionFailureReason.KeysUnavailable,
                    "The caller's token could not be checked because its issuer's signing keys cannot be fetched; retry later.", TimeSpan.FromSeconds(30)),
                AuthenticationFailureKind.Missing => new AdmissionFailure(AdmissionFailureReason.AuthenticationRequired, failure.Description),
                AuthenticationFailureKind.WrongAudience => new AdmissionFailure(AdmissionFailureReason.InvalidAudience, failure.Description),
                _ => new AdmissionFailure(AdmissionFailureReason.InvalidToken, failure.Description),
            };
        }

        var caller = authentication.Value;
        if (rateLimiter.Refusal(caller.Key) is { } retryAfter)
        {
            return new AdmissionFailure(AdmissionFailureReason.RateLimited, "This caller made more requests than its share; retry after the indicated time.",
                retryAfter);
        }

        ConnectionKey key = default;
        if (!Identifiers.IsValid(userId) || (connectionId is not null && !ConnectionKey.TryCreate(userId, connectionId, out key)))
        {
            return new AdmissionFailure(AdmissionFailureReason.InvalidIdentifier, $"Ids are 1-{Identifiers.MaxLength} characters of A-Z a-z 0-9 - _ . + = ~ | @.");
        }

        var access = new CredentialAccess(permission, userId, connectionId) { Api = connectionId is null || apiOf is null ? null : await apiOf(key) };
        var outcome = await authorizer.AuthorizeAsync(caller, access, CorrelationId.Establish(http), http.RequestAborted);
        return outcome.Verdict switch
        {
            AuthorizationVerdict.Allowed => new AdmittedCaller(caller, outcome.Reason, userId, connectionId is null ? null : key) { Api = access.Api },
            AuthorizationVerdict.Denied => new AdmissionFailure(AdmissionFailureReason.Forbidden, permission == CredentialPermissions.CompleteOwn
                ? "Only the user a connection is for may complete it, signed in as that user."
                : CredentialPermissions.IsProxyClass(permission)
                    ? $"Missing permission {permission} (or {CredentialPermissions.Proxy}) on this user's credentials."
                    : $"Missing permission {permission} on this user's credentials."),
            _ => new AdmissionFailure(AdmissionFailureReason.AuthorizationUnavailable,
                "The request was refused because no authorization decision could be made; retry later.", outcome.RetryAfter ?? TimeSpan.FromSeconds(5)),
        };
    }
}
