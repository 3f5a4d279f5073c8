using System.Diagnostics.CodeAnalysis;

namespace Credentials.Client;

/// <summary>
/// What became of a call about a connection (list, get, metadata, secret, import). Each service answer has its own status
/// (docs/client.md lists which answer gives which); <see cref="ConnectionResult.ProblemCode"/> carries the service's
/// <c>code</c> or the client's own.
/// </summary>
public enum ConnectionCallStatus
{
    /// <summary>200: done; the connection is in the result (for a secret: replaced; for an import: already imported).</summary>
    Succeeded,

    /// <summary>201: a secret was stored, or a grant imported and proved; the connection is in the result.</summary>
    Created,

    /// <summary>
    /// 202 (import): the grant is stored but not proved yet (status <c>importing</c>); send the same import again after
    /// <see cref="ConnectionResult.RetryAfter"/>.
    /// </summary>
    Pending,

    /// <summary>The user has no such connection (404 naming what is missing, e.g. <c>connection_not_found</c>).</summary>
    NotFound,

    /// <summary>
    /// The service refused the request's form (400: <c>invalid_identifier</c>, <c>invalid_request</c>, <c>invalid_metadata</c>,
    /// <c>invalid_secret</c>, <c>unknown_provider</c>); nothing was written.
    /// </summary>
    InvalidRequest,

    /// <summary>
    /// The provider refused what was submitted: the API key or credentials (400 <c>secret_rejected</c>, its probe said 401 or
    /// 403) or the imported refresh token (422 <c>import_grant_rejected</c>); nothing was kept.
    /// </summary>
    Rejected,

    /// <summary>
    /// The connection is in a state that forbids the call (409): <c>connection_in_use</c> (an import over a connection in
    /// use without <c>replace</c>) or <c>connection_kind_mismatch</c> (a secret for an OAuth connection).
    /// </summary>
    Conflict,

    /// <summary>The service knows this caller but it lacks the permission the call needs (403 <c>forbidden</c>).</summary>
    Forbidden,

    /// <summary>The service refused this caller's own token (401 <c>authentication_required</c>, <c>invalid_token</c>, <c>invalid_token_audience</c>).</summary>
    Unauthenticated,

    /// <summary>
    /// Retrying later can work: see <see cref="ConnectionResult.RetryAfter"/>. The service or provider was busy or down (503,
    /// 429, 502 …), or the service could not be reached or did not answer in time (<c>service_unreachable</c>, <c>service_timeout</c>).
    /// </summary>
    Unavailable,

    /// <summary>
    /// The address answered 404 without naming a connection (<c>not_found</c>, or no problem at all): the
    /// <see cref="CredentialsClientOptions.BaseAddress"/> is probably wrong (the client adds <c>api/</c> itself).
    /// </summary>
    ServiceNotFound,

    /// <summary><see cref="CredentialsClientOptions.CallerToken"/> threw, so nothing was sent (<c>caller_token_failed</c>).</summary>
    CallerTokenFailed,
}

/// <summary>A user's connection as the service describes it: never a token or secret.</summary>
/// <param name="ConnectionId">The connection's id, unique per user.</param>
/// <param name="Provider">The id of its provider in the service's configuration, e.g. <c>google</c>.</param>
/// <param name="Status">
/// <c>active</c>, <c>refresh_failing</c>, <c>reauthorization_required</c> or <c>importing</c> (an imported grant not proved yet).
/// </param>
/// <param name="Kind"><c>oauth</c>, <c>api_key</c> or <c>basic</c>.</param>
/// <param name="Scopes">The scopes of the grant (empty for a secret).</param>
/// <param name="Metadata">The connection's tags (never secrets); empty when there are none.</param>
/// <param name="CreatedAt">When the connection was made.</param>
/// <param name="UpdatedAt">When it last changed.</param>
/// <param name="AccessTokenExpiresAt">When its stored access token expires, if it has one.</param>
/// <param name="LastErrorCode">The code of its last refresh failure, if any.</param>
public sealed record UserConnection(
    string ConnectionId, string Provider, string Status, string Kind, IReadOnlyList<string> Scopes, IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? AccessTokenExpiresAt, string? LastErrorCode);

/// <summary>The outcome of a call about one connection. Expected outcomes are values; this client never throws for them.</summary>
/// <param name="Status">What became of the call.</param>
/// <param name="Connection">The connection as the service answered it (<see cref="ConnectionCallStatus.Succeeded"/>, <see cref="ConnectionCallStatus.Created"/>, <see cref="ConnectionCallStatus.Pending"/>); otherwise null.</param>
/// <param name="RetryAfter">For <see cref="ConnectionCallStatus.Unavailable"/> and <see cref="ConnectionCallStatus.Pending"/>: how long to wait before trying again.</param>
/// <param name="ProblemCode">The service's stable <c>code</c> of a refusal, or the client's own (<c>service_unreachable</c>, <c>service_timeout</c>, <c>caller_token_failed</c>).</param>
public sealed record ConnectionResult(ConnectionCallStatus Status, UserConnection? Connection = null, TimeSpan? RetryAfter = null, string? ProblemCode = null)
{
    /// <summary>True for <see cref="ConnectionCallStatus.Succeeded"/> and <see cref="ConnectionCallStatus.Created"/>; <see cref="Connection"/> is then not null.</summary>
    [MemberNotNullWhen(true, nameof(Connection))]
    public bool Succeeded => Status is ConnectionCallStatus.Succeeded or ConnectionCallStatus.Created && Connection is not null;

    /// <summary>For an outcome the client made itself (the service unreachable, the caller token failed): the exception behind it.</summary>
    public Exception? Exception { get; init; }
}

/// <summary>One page of a user's connections.</summary>
/// <param name="Status">What became of the call: <see cref="ConnectionCallStatus.Succeeded"/>, or why not.</param>
/// <param name="Connections">The page's connections (empty unless it succeeded; a filtered page may be empty and still have a next one).</param>
/// <param name="ContinuationToken">Pass it to the next call for the next page; null after the last page.</param>
/// <param name="RetryAfter">For <see cref="ConnectionCallStatus.Unavailable"/>: how long to wait before asking again.</param>
/// <param name="ProblemCode">The service's stable <c>code</c> of a refusal, or the client's own.</param>
public sealed record ConnectionListResult(
    ConnectionCallStatus Status, IReadOnlyList<UserConnection> Connections, string? ContinuationToken = null, TimeSpan? RetryAfter = null, string? ProblemCode = null)
{
    /// <summary>True when the page was read.</summary>
    public bool Succeeded => Status == ConnectionCallStatus.Succeeded;

    /// <summary>For an outcome the client made itself (the service unreachable, the caller token failed): the exception behind it.</summary>
    public Exception? Exception { get; init; }
}
