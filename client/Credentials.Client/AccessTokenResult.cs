using System.Diagnostics.CodeAnalysis;

namespace Credentials.Client;

/// <summary>
/// What became of a request for an access token. Each service answer has its own status (docs/client.md lists which answer
/// gives which); <see cref="AccessTokenResult.ProblemCode"/> carries the service's <c>code</c> or the client's own.
/// </summary>
public enum AccessTokenStatus
{
    /// <summary>A token was issued: <see cref="AccessTokenResult.Token"/> holds it.</summary>
    Issued,

    /// <summary>The provider no longer accepts the connection's grant: the user must connect again (409 <c>reauthorization_required</c>).</summary>
    ReauthorizationRequired,

    /// <summary>The user has no such connection (404 <c>connection_not_found</c>), e.g. after a disconnect.</summary>
    NotFound,

    /// <summary>The service knows this caller but it may not read the connection's token (403 <c>forbidden</c>).</summary>
    Forbidden,

    /// <summary>
    /// Retrying later can work: see <see cref="AccessTokenResult.RetryAfter"/>. The service was busy or down (503, 429, 502
    /// …), or could not be reached or did not answer in time (<see cref="AccessTokenResult.ProblemCode"/>
    /// <c>service_unreachable</c> or <c>service_timeout</c>).
    /// </summary>
    Unavailable,

    /// <summary>
    /// No token of the asked scopes can be had (<see cref="AccessTokenResult.ProblemCode"/>: <c>invalid_scope</c>,
    /// <c>scope_narrowing_unsupported</c>, <c>scope_resource_not_narrowable</c> or <c>provider_scope_too_broad</c>); asking
    /// without scopes gives the connection's token.
    /// </summary>
    ScopeRefused,

    /// <summary>The service refused the request's form (400), e.g. an id that breaks the id rule (<c>invalid_identifier</c>).</summary>
    InvalidRequest,

    /// <summary>
    /// The address answered 404 without naming a connection (<c>not_found</c>, or no problem at all): the
    /// <see cref="CredentialsClientOptions.BaseAddress"/> is probably wrong (the client adds <c>api/</c> itself).
    /// </summary>
    ServiceNotFound,

    /// <summary>The service refused this caller's own token (401 <c>authentication_required</c>, <c>invalid_token</c>, <c>invalid_token_audience</c>).</summary>
    Unauthenticated,

    /// <summary>
    /// <see cref="CredentialsClientOptions.CallerToken"/> threw, so nothing was sent (<see cref="AccessTokenResult.ProblemCode"/>
    /// <c>caller_token_failed</c>; the exception is in <see cref="AccessTokenResult.Exception"/>).
    /// </summary>
    CallerTokenFailed,
}

/// <summary>A user's provider access token; <see cref="ToString"/> never shows its value.</summary>
/// <param name="Value">The access token itself, to send to the provider's API (e.g. <c>Authorization: Bearer {Value}</c>).</param>
/// <param name="TokenType">The token's type as the provider states it, usually <c>Bearer</c>.</param>
/// <param name="ExpiresAt">When the provider says the token expires.</param>
/// <param name="Scopes">The scopes the token was issued for, as the provider states them.</param>
/// <param name="Provider">The id of the connection's provider in the service's configuration, e.g. <c>google</c>.</param>
public sealed record ProviderAccessToken(string Value, string TokenType, DateTimeOffset ExpiresAt, IReadOnlyList<string> Scopes, string Provider)
{
    /// <summary>The token's description without its value, so that logging the record never leaks the token.</summary>
    public override string ToString() => $"ProviderAccessToken {{ Provider = {Provider}, TokenType = {TokenType}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>The outcome of asking for an access token. Expected outcomes are values; this client never throws for them.</summary>
/// <param name="Status">What became of the request.</param>
/// <param name="Token">The token when <paramref name="Status"/> is <see cref="AccessTokenStatus.Issued"/>; otherwise null.</param>
/// <param name="RetryAfter">When <paramref name="Status"/> is <see cref="AccessTokenStatus.Unavailable"/>: how long to wait before asking again.</param>
/// <param name="ProblemCode">The service's stable <c>code</c> of a refusal, or the client's own (<c>service_unreachable</c>, <c>service_timeout</c>, <c>caller_token_failed</c>).</param>
public sealed record AccessTokenResult(AccessTokenStatus Status, ProviderAccessToken? Token = null, TimeSpan? RetryAfter = null, string? ProblemCode = null)
{
    /// <summary>True when a token was issued; <see cref="Token"/> is then not null.</summary>
    [MemberNotNullWhen(true, nameof(Token))]
    public bool Succeeded => Status == AccessTokenStatus.Issued && Token is not null;

    /// <summary>For an outcome the client made itself (the service unreachable, the caller token failed): the exception behind it.</summary>
    public Exception? Exception { get; init; }
}
