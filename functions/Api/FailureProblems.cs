using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Resilience;
using Credentials.Functions.Import;
using Credentials.Functions.OAuthConnect;
using Credentials.Functions.Proxy;
using Credentials.Functions.Refresh;
using Credentials.Functions.SecretConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.Api;

/// <summary>
/// The one place where the domain's failure reasons become HTTP answers: a status, a stable problem code, a title, and
/// <c>Retry-After</c> where retrying helps. Domain code never chooses a status.
/// </summary>
internal static class FailureProblems
{
    public static IActionResult For(HttpContext http, AdmissionFailure failure)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.RetryAfter is { } retryAfter)
        {
            SetRetryAfter(http, retryAfter);
        }

        switch (failure.Reason)
        {
            case AdmissionFailureReason.AuthenticationRequired or AdmissionFailureReason.InvalidToken or AdmissionFailureReason.InvalidAudience:
                var invalid = failure.Reason != AdmissionFailureReason.AuthenticationRequired;
                http.Response.Headers.WWWAuthenticate = invalid ? $"Bearer error=\"invalid_token\", error_description=\"{failure.Description}\"" : "Bearer";
                return ProblemResults.Create(http, StatusCodes.Status401Unauthorized, AuthenticationCode(failure.Reason), "Authentication failed.", failure.Description);
            case AdmissionFailureReason.InvalidIdentifier:
                return BadRequest(http, ProblemCodes.InvalidIdentifier, "The user or connection id is not valid.", failure.Description);
            case AdmissionFailureReason.Forbidden:
                return ProblemResults.Create(http, StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, "The caller is not allowed to do this.", failure.Description);
            case AdmissionFailureReason.RateLimited:
                return ProblemResults.Create(http, StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many requests from this caller.",
                    failure.Description);
            default:
                return ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuthorizationUnavailable,
                    "Authorization is temporarily unavailable.", failure.Description);
        }
    }

    public static IActionResult For(HttpContext http, AccessTokenFailure failure)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.RetryAfter is { } retryAfter)
        {
            SetRetryAfter(http, retryAfter);
        }

        return failure.Reason switch
        {
            TokenFailureReason.NotFound => ProblemResults.Create(http, StatusCodes.Status404NotFound, ProblemCodes.ConnectionNotFound, "No such connection."),
            TokenFailureReason.ReauthorizationRequired => ProblemResults.Create(http, StatusCodes.Status409Conflict, ProblemCodes.ReauthorizationRequired,
                "The user must connect again.", "The provider no longer accepts this connection's grant (revoked or expired)."),
            TokenFailureReason.ProviderRejected => ProblemResults.Create(http, StatusCodes.Status502BadGateway, ProblemCodes.ProviderRejected,
                "The provider refused the refresh.", $"Provider error: {failure.ErrorCode}. This is usually the service's client configuration."),
            TokenFailureReason.Busy => ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.RefreshBusy,
                "The token is being refreshed.", "Retry shortly."),
            TokenFailureReason.InvalidScope => ProblemResults.Create(http, StatusCodes.Status400BadRequest, failure.ErrorCode ?? ScopeFailureCodes.NotGranted,
                "No token of these scopes can be issued.", ScopeProblems.Describe(failure.ErrorCode)),
            TokenFailureReason.Forbidden => ProblemResults.Create(http, StatusCodes.Status403Forbidden, ProblemCodes.Forbidden,
                "The caller is not allowed to do this.", ScopeProblems.DescribeForbidden(failure.ErrorCode)),
            TokenFailureReason.AuthorizationUnavailable => ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuthorizationUnavailable,
                "Authorization is temporarily unavailable.", "The request was refused because no authorization decision could be made; retry later."),
            TokenFailureReason.HandoutDisabled => ProblemResults.Create(http, StatusCodes.Status403Forbidden, ProblemCodes.SecretHandoutDisabled,
                "This connection's secret is not handed out.", SecretHandoutDetail),
            TokenFailureReason.ProviderRateLimited => ProblemResults.Create(http, StatusCodes.Status429TooManyRequests, ProblemCodes.ProviderRateLimited,
                "The provider's rate limit is reached.", "The provider app's rate limit leaves nothing now; the connection stays usable. Retry after the indicated time."),
            _ => ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.ProviderUnavailable,
                "The provider is unavailable.", "The access token could not be refreshed now; the connection stays usable. Retry after the indicated time."),
        };
    }

    public static IActionResult For(HttpContext http, ProxyFailure failure)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Reason switch
        {
            ProxyFailureReason.TokenUnavailable => For(http, failure.Token!),
            ProxyFailureReason.RateLimited => For(http, new AccessTokenFailure(TokenFailureReason.ProviderRateLimited, failure.RetryAfter, ProblemCodes.ProviderRateLimited)),
            ProxyFailureReason.InvalidPath => BadRequest(http, ProblemCodes.ProxyInvalidPath, "The path cannot be proxied.", failure.Detail),
            ProxyFailureReason.MethodOverride => BadRequest(http, ProblemCodes.ProxyMethodOverride, "Method overrides cannot be proxied.", failure.Detail),
            ProxyFailureReason.PathDenied => ProblemResults.Create(http, StatusCodes.Status403Forbidden, ProblemCodes.ProxyPathDenied,
                "The path is never proxied.", failure.Detail),
            ProxyFailureReason.UnknownApi => BadRequest(http, ProblemCodes.ProxyUnknownApi, "No such provider API.", failure.Detail),
            ProxyFailureReason.RedirectRefused => BadRequest(http, ProblemCodes.ProxyRedirectRefused, "The provider redirected outside its API.", failure.Detail),
            ProxyFailureReason.RequestTooLarge => ProblemResults.Create(http, StatusCodes.Status413PayloadTooLarge, ProblemCodes.ProxyRequestTooLarge,
                "The request body is too large.", failure.Detail),
            ProxyFailureReason.ResponseTooLarge => ProblemResults.Create(http, StatusCodes.Status502BadGateway, ProblemCodes.ProxyResponseTooLarge,
                "The provider's answer is too large.", failure.Detail),
            ProxyFailureReason.ProviderTimeout => ProblemResults.Create(http, StatusCodes.Status504GatewayTimeout, ProblemCodes.ProxyTimeout,
                "The provider's API did not answer in time.", failure.Detail),
            ProxyFailureReason.InstanceUrlRefused => ProblemResults.Create(http, StatusCodes.Status409Conflict, ProblemCodes.ProxyInstanceUrlRefused,
                "The connection's instance URL is not allowed.", failure.Detail),
            ProxyFailureReason.AddressRefused => ProblemResults.Create(http, StatusCodes.Status502BadGateway, ProblemCodes.ProxyAddressRefused,
                "The provider's API is at an address the service never connects to.", failure.Detail),
            _ => ProblemResults.Create(http, StatusCodes.Status502BadGateway, ProblemCodes.ProxyUnreachable, "The provider's API could not be reached.", failure.Detail),
        };
    }

    /// <summary>Why an API key or basic credentials are not handed out; the token-exchange endpoint repeats it.</summary>
    public const string SecretHandoutDetail = "The connection holds an API key or basic credentials, which do not expire: callers use them through the proxy "
        + "(credentials:proxy). The provider's AllowSecretHandout setting is off (the default).";

    public static IActionResult For(HttpContext http, SecretFailure failure)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(failure);
        switch (failure.Reason)
        {
            case SecretFailureReason.UnknownProvider:
                return BadRequest(http, ProblemCodes.UnknownProvider, "Unknown provider.", failure.Detail);
            case SecretFailureReason.OAuthProvider or SecretFailureReason.InvalidSecret:
                return BadRequest(http, ProblemCodes.InvalidSecret, "The secret is not valid for this provider.", failure.Detail);
            case SecretFailureReason.KindMismatch:
                return ProblemResults.Create(http, StatusCodes.Status409Conflict, ProblemCodes.ConnectionKindMismatch, "The connection is of another kind.",
                    failure.Detail);
            case SecretFailureReason.Rejected:
                return BadRequest(http, ProblemCodes.SecretRejected, "The provider refused the secret.", failure.Detail);
            default:
                SetRetryAfter(http, TimeSpan.FromSeconds(30));
                return ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.ProviderUnavailable,
                    "The provider is unavailable.", failure.Detail);
        }
    }

    public static IActionResult For(HttpContext http, StartFailure failure)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(failure);
        switch (failure.Reason)
        {
            case StartFailureReason.UnknownProvider:
                return BadRequest(http, ProblemCodes.UnknownProvider, "Unknown provider.", failure.Detail);
            case StartFailureReason.InvalidConnectionId:
                return BadRequest(http, ProblemCodes.InvalidIdentifier, "The connection id is not valid.", failure.Detail);
            case StartFailureReason.ScopeNotAllowed:
                return BadRequest(http, ProblemCodes.InvalidScope, "A requested scope is not allowed.", failure.Detail);
            case StartFailureReason.ReturnUrlNotAllowed:
                return BadRequest(http, ProblemCodes.InvalidReturnUrl, "The return URL is not allowed.", failure.Detail);
            case StartFailureReason.InvalidOption:
                return BadRequest(http, ProblemCodes.InvalidRequest, "An option of the start request is not valid.", failure.Detail);
            case StartFailureReason.InvalidMetadata:
                return BadRequest(http, ProblemCodes.InvalidMetadata, "The metadata breaks its limits.", failure.Detail);
            default:
                SetRetryAfter(http, TimeSpan.FromSeconds(30));
                return ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.ProviderUnavailable,
                    "The provider is unavailable.", failure.Detail);
        }
    }

    /// <summary>A metadata patch outside the limits (a missing connection has its own, detailed 404: <see cref="ConnectionNotFound"/>).</summary>
    public static IActionResult For(HttpContext http, MetadataUpdateFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.Reason == MetadataUpdateFailureReason.Contended)
        {
            SetRetryAfter(http, failure.RetryAfter ?? TimeSpan.FromSeconds(1));
            return ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.ConnectionBusy, "The connection is busy.", failure.Detail);
        }

        return BadRequest(http, ProblemCodes.InvalidMetadata, "The metadata patch is not valid or would break the limits.", failure.Detail + " Nothing was changed.");
    }

    public static IActionResult For(HttpContext http, CompletionFailure failure) => failure switch
    {
        CompletionFailure.CompletionExpired => BadRequest(http, ProblemCodes.CompletionExpired,
            "The completion code has expired.", "Nothing was connected and the provider's grant was revoked; start connecting again."),
        CompletionFailure.BrowserMismatch => ProblemResults.Create(http, StatusCodes.Status403Forbidden, ProblemCodes.CompletionBrowserMismatch,
            "The completion must come from the browser that granted access.",
            "This pending connection was bound to the browser that consented at the provider, and the request does not carry that browser's " +
            "binding cookie. Nothing was connected and the code stays usable from that browser until it expires."),
        _ => BadRequest(http, ProblemCodes.InvalidCompletion,
            "The completion code is not valid.", "It is unknown, already used, or was issued for another user or connection; nothing was connected."),
    };

    public static IActionResult For(HttpContext http, ImportFailure failure)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.RetryAfter is { } retryAfter)
        {
            SetRetryAfter(http, retryAfter);
        }

        return failure.Reason switch
        {
            ImportFailureReason.InvalidRequest => BadRequest(http, ProblemCodes.InvalidRequest, "The import request is not valid.", failure.Detail),
            ImportFailureReason.UnknownProvider => BadRequest(http, ProblemCodes.UnknownProvider, "Unknown provider.", failure.Detail),
            ImportFailureReason.ConnectionActive => ProblemResults.Create(http, StatusCodes.Status409Conflict, ProblemCodes.ConnectionInUse,
                "The connection is in use.", failure.Detail),
            ImportFailureReason.GrantRejected => ProblemResults.Create(http, StatusCodes.Status422UnprocessableEntity, ProblemCodes.ImportGrantRejected,
                "The provider refused the grant.", failure.Detail),
            ImportFailureReason.ProviderRejected => ProblemResults.Create(http, StatusCodes.Status502BadGateway, ProblemCodes.ProviderRejected,
                "The provider refused the refresh.", failure.Detail),
            _ => ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.ProviderUnavailable, "The provider is unavailable.", failure.Detail),
        };
    }

    /// <summary>The problem code of a 401: the token-exchange endpoint repeats it in its OAuth errors.</summary>
    public static string AuthenticationCode(AdmissionFailureReason reason) => reason switch
    {
        AdmissionFailureReason.InvalidAudience => ProblemCodes.InvalidTokenAudience,
        AdmissionFailureReason.InvalidToken => ProblemCodes.InvalidToken,
        _ => ProblemCodes.AuthenticationRequired,
    };

    private static ObjectResult BadRequest(HttpContext http, string code, string title, string detail) =>
        ProblemResults.Create(http, StatusCodes.Status400BadRequest, code, title, detail);

    private static void SetRetryAfter(HttpContext http, TimeSpan retryAfter) =>
        RetryAfterHeader.Set(http.Response, retryAfter);
}
