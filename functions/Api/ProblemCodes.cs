namespace Credentials.Functions.Api;

/// <summary>Stable, machine-readable error codes. Clients branch on these; never rename one.</summary>
internal static class ProblemCodes
{
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string InternalError = "internal_error";
    public const string InvalidRequest = "invalid_request";
    public const string InvalidIdentifier = "invalid_identifier";
    public const string AuthenticationRequired = "authentication_required";
    public const string InvalidToken = "invalid_token";
    public const string Forbidden = "forbidden";
    public const string AuthorizationUnavailable = "authorization_unavailable";
    public const string RateLimited = "rate_limited";
    public const string ConnectionNotFound = "connection_not_found";
    public const string UnknownProvider = "unknown_provider";
    public const string InvalidScope = "invalid_scope";
    public const string InvalidReturnUrl = "invalid_return_url";
    public const string ProviderUnavailable = "provider_unavailable";
    public const string ProviderRejected = "provider_rejected";
    public const string ReauthorizationRequired = "reauthorization_required";
    public const string RefreshBusy = "refresh_busy";
    public const string AuditUnavailable = "audit_unavailable";
    public const string StorageUnavailable = "storage_unavailable";
    public const string InvalidCompletion = "invalid_completion";
    public const string CompletionExpired = "completion_expired";
    public const string ProxyInvalidPath = "proxy_invalid_path";
    public const string ProxyUnknownApi = "proxy_unknown_api";
    public const string ProxyRedirectRefused = "proxy_redirect_refused";
    public const string ProxyRequestTooLarge = "proxy_request_too_large";
    public const string ProxyResponseTooLarge = "proxy_response_too_large";
    public const string ProxyTimeout = "proxy_timeout";
    public const string ProxyUnreachable = "proxy_unreachable";
    public const string ProxyMethodOverride = "proxy_method_override";
    public const string ProxyPathDenied = "proxy_path_denied";
    public const string InvalidTokenAudience = "invalid_token_audience";
    public const string ProxyInstanceUrlRefused = "proxy_instance_url_refused";
    public const string ProxyAddressRefused = "proxy_address_refused";
    public const string CompletionBrowserMismatch = "completion_browser_mismatch";
    public const string ProviderRateLimited = "provider_rate_limited";
    public const string ConnectionInUse = "connection_in_use";
    public const string ImportGrantRejected = "import_grant_rejected";
    public const string ScopeResourceNotNarrowable = Refresh.ScopeFailureCodes.ResourceNotNarrowable;
    public const string InvalidSecret = "invalid_secret";
    public const string ConnectionKindMismatch = "connection_kind_mismatch";
    public const string SecretRejected = "secret_rejected";
    public const string SecretHandoutDisabled = "secret_handout_disabled";
    public const string InvalidMetadata = "invalid_metadata";
    public const string RequestTooLarge = "request_too_large";
    public const string UnsupportedContentType = "unsupported_content_type";
    public const string ConnectionBusy = "connection_busy";
}
