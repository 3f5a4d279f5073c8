using Credentials.Functions.Connections;

namespace Credentials.Functions.Refresh;

/// <summary>
/// What a caller asks for: an access token of one connection that stays valid at least <see cref="MinValidity"/>.
/// <see cref="AllowedBecause"/> is the authorization decision's reason, recorded in the hand-out's audit event.
/// <see cref="Renew"/>: the caller's API rejected the token it holds (revoked or expired early), so refresh unless the
/// connection was refreshed within <see cref="RenewWindow"/> (many callers reporting one rejected token cause one refresh).
/// <see cref="Scopes"/>: a token limited to these scopes of the grant (least privilege); null or the grant's own scopes
/// mean the stored token. <see cref="HandedOut"/> is false when the token is only used inside the service (the proxy,
/// which audits the call itself), so no hand-out is audited. <see cref="AuthorizeResources"/> is asked before a
/// narrower token reaches a resource beyond the grant's own; without it such a request is refused.
/// </summary>
public sealed record AccessTokenRequest(
    ConnectionKey Connection,
    TimeSpan MinValidity,
    string CallerId,
    string CorrelationId,
    string? AllowedBecause = null,
    bool Renew = false,
    ScopeSet? Scopes = null,
    bool HandedOut = true,
    ResourceAuthorization? AuthorizeResources = null)
{
    public static readonly TimeSpan MaxMinValidity = TimeSpan.FromHours(1);

    public static readonly TimeSpan RenewWindow = TimeSpan.FromSeconds(30);
}

/// <summary>Why a token request or refresh did not produce a token; the HTTP layer maps each to a problem code.</summary>
public enum TokenFailureReason
{
    NotFound,
    ReauthorizationRequired,
    ProviderUnavailable,
    ProviderRejected,
    Busy,

    /// <summary>
    /// The narrower token cannot be issued: a scope outside the grant, a provider that cannot narrow, or a provider that
    /// answered broader than asked. <see cref="AccessTokenFailure.ErrorCode"/> says which.
    /// </summary>
    InvalidScope,

    /// <summary>The caller may read the connection, but not a token of a resource beyond its grant that it asked for.</summary>
    Forbidden,

    /// <summary>Whether the caller may reach that resource could not be decided (Authress unreachable): never allowed.</summary>
    AuthorizationUnavailable,

    /// <summary>
    /// The connection holds an API key or basic credentials, which its provider does not let callers be handed
    /// (<c>AllowSecretHandout</c> off, the default): only the proxy uses it.
    /// </summary>
    HandoutDisabled,
    /// <summary>The provider app's rate limit leaves nothing now (learned from the provider, shared by every instance): retry after the wait.</summary>
    ProviderRateLimited,
}

/// <summary>
/// Whether the caller may have tokens of these resources beyond the connection's grant (by their
/// <see cref="Providers.NarrowableResource.Name"/>): null allows, otherwise why not (<see cref="TokenFailureReason.Forbidden"/>
/// or <see cref="TokenFailureReason.AuthorizationUnavailable"/>).
/// </summary>
public delegate Task<AccessTokenFailure?> ResourceAuthorization(IReadOnlyList<string> resourceNames, CancellationToken cancellationToken);

/// <summary>An access token to hand out (never the refresh token).</summary>
public sealed record IssuedAccessToken(string AccessToken, string TokenType, DateTimeOffset ExpiresAt, IReadOnlyList<string> Scopes, string ProviderId)
{
    public override string ToString() => $"IssuedAccessToken {{ TokenType = {TokenType}, ExpiresAt = {ExpiresAt:O}, ProviderId = {ProviderId} }}";
}

/// <summary>Why there is no token, when to try again, and the provider's error code if it gave one.</summary>
public sealed record AccessTokenFailure(TokenFailureReason Reason, TimeSpan? RetryAfter = null, string? ErrorCode = null);

/// <summary>The <see cref="AccessTokenFailure.ErrorCode"/>s of <see cref="TokenFailureReason.InvalidScope"/>, also the problem codes callers see.</summary>
public static class ScopeFailureCodes
{
    /// <summary>A scope is not in the connection's grant (nor, for a multi-resource provider, of a resource it may reach), or the provider said so.</summary>
    public const string NotGranted = "invalid_scope";

    /// <summary>The provider cannot issue a narrower token (its preset or <c>ScopeNarrowing</c> setting).</summary>
    public const string NarrowingUnsupported = "scope_narrowing_unsupported";

    /// <summary>The provider answered with a token broader than asked; it was not handed out.</summary>
    public const string ProviderAnsweredBroader = "provider_scope_too_broad";

    /// <summary>A multi-resource request names a resource that is neither in the grant nor in the provider's <c>NarrowableResources</c>.</summary>
    public const string ResourceNotNarrowable = "scope_resource_not_narrowable";
}
