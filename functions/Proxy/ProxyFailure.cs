using Credentials.Functions.Refresh;

namespace Credentials.Functions.Proxy;

/// <summary>Why a proxied call was not made, or its answer not passed back; the HTTP layer maps each to a problem code.</summary>
public enum ProxyFailureReason
{
    /// <summary>The path could leave the API's base URL (traversal, encoded slash, absolute URL) or is malformed.</summary>
    InvalidPath,

    /// <summary>The query names a method override (Salesforce's <c>_HttpMethod</c>): the executed method would not be the audited one.</summary>
    MethodOverride,

    /// <summary>The provider's path policy refuses the path (<see cref="Providers.ApiPathPolicy"/>): an OAuth, session or credential endpoint.</summary>
    PathDenied,

    /// <summary>The provider has no API of the requested name or position (or none at all).</summary>
    UnknownApi,

    /// <summary>The connection's stored instance URL is no longer on the provider's allowed hosts (settings changed, or the row was altered).</summary>
    InstanceUrlRefused,

    /// <summary>The API's host resolved to an address the service never connects to (loopback, private, link-local, metadata).</summary>
    AddressRefused,

    RequestTooLarge,

    /// <summary>The provider redirected outside the API's base URL; the redirect is not followed or passed on.</summary>
    RedirectRefused,

    /// <summary>The provider declared a body larger than <see cref="ProxyOptions.MaxResponseBytes"/>.</summary>
    ResponseTooLarge,

    ProviderUnreachable,

    ProviderTimeout,

    /// <summary>No access token: <see cref="ProxyFailure.Token"/> says why, as the token route would.</summary>
    TokenUnavailable,

    /// <summary>The provider API's rate limit, as learned from its answers, leaves nothing now; retry after <see cref="ProxyFailure.RetryAfter"/>.</summary>
    RateLimited,
}

public sealed record ProxyFailure(ProxyFailureReason Reason, string Detail, AccessTokenFailure? Token = null, TimeSpan? RetryAfter = null);
