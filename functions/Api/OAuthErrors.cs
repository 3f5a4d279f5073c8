using System.Text.Json.Serialization;
using Credentials.Functions.Foundation.Resilience;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.Api;

/// <summary>An RFC 6749 §5.2 error body; <see cref="Code"/> repeats the service's own problem code where there is one.</summary>
public sealed record OAuthError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string Description,
    [property: JsonPropertyName("code")] string? Code = null);

/// <summary>
/// How the token endpoint (<c>POST /api/oauth/token</c>) answers failures: RFC 6749 §5.2 JSON, status 400 unless the
/// caller's credentials failed (401 with <c>WWW-Authenticate</c>), or a retry later can work (503 with
/// <c>Retry-After</c>). docs/client.md lists each error and when it occurs.
/// </summary>
public static class OAuthErrors
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string UnauthorizedClient = "unauthorized_client";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string InvalidScope = "invalid_scope";
    public const string InvalidTarget = "invalid_target";
    public const string TemporarilyUnavailable = "temporarily_unavailable";
    public const string ServerError = "server_error";

    public static ObjectResult BadRequest(HttpContext http, string error, string description, string? code = null) =>
        Create(http, StatusCodes.Status400BadRequest, new OAuthError(error, description, code));

    /// <summary>A body over the size limit: 413, still in RFC 6749's error shape (<c>invalid_request</c>) with the service's code.</summary>
    public static ObjectResult TooLarge(HttpContext http, string description) =>
        Create(http, StatusCodes.Status413PayloadTooLarge, new OAuthError(InvalidRequest, description, ProblemCodes.RequestTooLarge));

    public static ObjectResult For(HttpContext http, AdmissionFailure failure)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(failure);
        switch (failure.Reason)
        {
            case AdmissionFailureReason.AuthenticationRequired or AdmissionFailureReason.InvalidToken or AdmissionFailureReason.InvalidAudience:
                // RFC 6749 §5.2: a client that tried to authenticate through the Authorization header gets 401 and a challenge.
                http.Response.Headers.WWWAuthenticate = failure.Reason != AdmissionFailureReason.AuthenticationRequired
                    ? $"Bearer error=\"invalid_token\", error_description=\"{failure.Description}\""
                    : "Bearer";
                return Create(http, StatusCodes.Status401Unauthorized, new OAuthError(InvalidClient, failure.Description,
                    FailureProblems.AuthenticationCode(failure.Reason)));
            case AdmissionFailureReason.InvalidIdentifier:
                return BadRequest(http, InvalidRequest, failure.Description, ProblemCodes.InvalidIdentifier);
            case AdmissionFailureReason.Forbidden:
                return BadRequest(http, UnauthorizedClient, failure.Description, ProblemCodes.Forbidden);
            case AdmissionFailureReason.RateLimited:
                RetryAfterHeader.Set(http.Response, failure.RetryAfter ?? TimeSpan.FromSeconds(1));
                return Create(http, StatusCodes.Status429TooManyRequests, new OAuthError(TemporarilyUnavailable, failure.Description, ProblemCodes.RateLimited));
            default:
                return Unavailable(http, failure.RetryAfter ?? TimeSpan.FromSeconds(5), failure.Description, ProblemCodes.AuthorizationUnavailable);
        }
    }

    public static ObjectResult For(HttpContext http, AccessTokenFailure failure)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Reason switch
        {
            TokenFailureReason.NotFound => BadRequest(http, InvalidTarget, "The user has no such connection.", ProblemCodes.ConnectionNotFound),
            TokenFailureReason.ReauthorizationRequired => BadRequest(http, InvalidGrant,
                "The provider no longer accepts this connection's grant: the user must connect again.", ProblemCodes.ReauthorizationRequired),
            TokenFailureReason.ProviderRejected => Create(http, StatusCodes.Status502BadGateway, new OAuthError(ServerError,
                $"The provider refused the refresh ({failure.ErrorCode}).", ProblemCodes.ProviderRejected)),
            TokenFailureReason.Busy => Unavailable(http, failure.RetryAfter ?? TimeSpan.FromSeconds(1), "The token is being refreshed; retry shortly.", ProblemCodes.RefreshBusy),
            TokenFailureReason.InvalidScope => BadRequest(http, InvalidScope, ScopeProblems.Describe(failure.ErrorCode), failure.ErrorCode ?? ScopeFailureCodes.NotGranted),
            TokenFailureReason.Forbidden => BadRequest(http, UnauthorizedClient, ScopeProblems.DescribeForbidden(failure.ErrorCode), ProblemCodes.Forbidden),
            TokenFailureReason.AuthorizationUnavailable => Unavailable(http, failure.RetryAfter ?? TimeSpan.FromSeconds(5),
                "The request was refused because no authorization decision could be made; retry later.", ProblemCodes.AuthorizationUnavailable),
            TokenFailureReason.HandoutDisabled => BadRequest(http, UnauthorizedClient, FailureProblems.SecretHandoutDetail, ProblemCodes.SecretHandoutDisabled),
            TokenFailureReason.ProviderRateLimited => RateLimited(http, failure.RetryAfter ?? TimeSpan.FromSeconds(1)),
            _ => Unavailable(http, failure.RetryAfter ?? TimeSpan.FromSeconds(5), "The provider is unavailable; retry after the indicated time.", ProblemCodes.ProviderUnavailable),
        };
    }

    private static ObjectResult RateLimited(HttpContext http, TimeSpan retryAfter)
    {
        RetryAfterHeader.Set(http.Response, retryAfter);
        return Create(http, StatusCodes.Status429TooManyRequests, new OAuthError(TemporarilyUnavailable,
            "The provider app's rate limit leaves nothing now; retry after the indicated time.", ProblemCodes.ProviderRateLimited));
    }

    private static ObjectResult Unavailable(HttpContext http, TimeSpan retryAfter, string description, string code)
    {
        RetryAfterHeader.Set(http.Response, retryAfter);
        return Create(http, StatusCodes.Status503ServiceUnavailable, new OAuthError(TemporarilyUnavailable, description, code));
    }

    private static ObjectResult Create(HttpContext http, int status, OAuthError error)
    {
        var result = new ObjectResult(error) { StatusCode = status };
        result.ContentTypes.Add("application/json");
        return result;
    }
}
