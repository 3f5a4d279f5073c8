using System.Globalization;
using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;
using Credentials.Functions.Hosting.Pipeline;
using Credentials.Functions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.Api;

/// <summary>
/// The checks every credential endpoint runs first, in this order: authenticate the bearer token (401), validate the
/// ids in the path (400), authorize with Authress or self-service (403, or 503 when no decision can be had).
/// </summary>
public sealed class CredentialRequestGate(CallerAuthenticator authenticator, CredentialAuthorizer authorizer)
{
    public async Task<Result<AdmittedCaller, ObjectResult>> AdmitAsync(HttpRequest request, string permission, string userId, string? connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = request.HttpContext;
        var authentication = await authenticator.AuthenticateAsync(request.Headers.Authorization.ToString(), http.RequestAborted);
        if (authentication.IsUnavailable)
        {
            return Reject(Unavailable(http, TimeSpan.FromSeconds(30), "The caller's token could not be checked because its issuer's signing keys cannot be fetched; retry later."));
        }

        if (authentication.Caller is not { } caller)
        {
            http.Response.Headers.WWWAuthenticate = authentication.Error is null
                ? "Bearer"
                : $"Bearer error=\"{authentication.Error}\", error_description=\"{authentication.Description}\"";
            return Reject(ProblemResults.Create(http, StatusCodes.Status401Unauthorized,
                authentication.Error is null ? ProblemCodes.AuthenticationRequired : ProblemCodes.InvalidToken, "Authentication failed.", authentication.Description));
        }

        ConnectionKey key = default;
        if (!Identifiers.IsValid(userId) || (connectionId is not null && !ConnectionKey.TryCreate(userId, connectionId, out key)))
        {
            return Reject(ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.InvalidIdentifier,
                "The user or connection id is not valid.", $"Ids are 1-{Identifiers.MaxLength} characters of A-Z a-z 0-9 - _ . + = ~ | @."));
        }

        var outcome = await authorizer.AuthorizeAsync(caller, new CredentialAccess(permission, userId, connectionId), CorrelationId.Establish(http), http.RequestAborted);
        switch (outcome.Verdict)
        {
            case AuthorizationVerdict.Allowed:
                return new AdmittedCaller(caller, outcome.Reason, userId, connectionId is null ? null : key);
            case AuthorizationVerdict.Denied:
                return Reject(ProblemResults.Create(http, StatusCodes.Status403Forbidden, ProblemCodes.Forbidden,
                    "The caller is not allowed to do this.", permission == CredentialPermissions.CompleteOwn
                        ? "Only the user a connection is for may complete it, signed in as that user."
                        : $"Missing permission {permission} on this user's credentials."));
            default:
                return Reject(Unavailable(http, outcome.RetryAfter ?? TimeSpan.FromSeconds(5),
                    "The request was refused because no authorization decision could be made; retry later."));
        }
    }

    private static ObjectResult Unavailable(HttpContext http, TimeSpan retryAfter, string detail)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuthorizationUnavailable,
            "Authorization is temporarily unavailable.", detail);
    }

    private static Result<AdmittedCaller, ObjectResult> Reject(ObjectResult result) => result;
}
