namespace Credentials.Client;

/// <summary>Users' provider access tokens from the Credentials service, and their connections (list, tags, secrets, imports).</summary>
public interface ICredentialsClient
{
    /// <summary>
    /// A token of the user's connection that stays valid at least <paramref name="minValidity"/> (default
    /// <see cref="CredentialsClientOptions.DefaultMinValidity"/>, at most one hour). Served from this process's cache
    /// while it lasts; concurrent calls for one connection share one request.
    /// </summary>
    Task<AccessTokenResult> GetAccessTokenAsync(string userId, string connectionId, TimeSpan? minValidity = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// A narrower token: only <paramref name="scopes"/> of the connection's grant (least privilege), issued by the provider
    /// for the service and cached here per scope set like the full token.
    /// </summary>
    Task<AccessTokenResult> GetAccessTokenAsync(
        string userId, string connectionId, IReadOnlyCollection<string> scopes, TimeSpan? minValidity = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// A new token after an API rejected the one this process holds (revoked or expired early): the cached token is
    /// dropped and the service refreshes, unless the connection was refreshed in the last 30 seconds.
    /// </summary>
    Task<AccessTokenResult> RenewAccessTokenAsync(string userId, string connectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the user's connections (<c>credentials:list</c>), optionally only those whose tags hold every
    /// <paramref name="metadata"/> key with exactly its value. A filtered page may be empty and still have a
    /// <see cref="ConnectionListResult.ContinuationToken"/>: pass it back until it is null.
    /// </summary>
    Task<ConnectionListResult> ListConnectionsAsync(
        string userId, IReadOnlyDictionary<string, string>? metadata = null, string? continuationToken = null, CancellationToken cancellationToken = default);

    /// <summary>One connection with its tags (<c>credentials:list</c>); never its token or secret.</summary>
    Task<ConnectionResult> GetConnectionAsync(string userId, string connectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets or removes the connection's tags (<c>credentials:create</c>): a JSON merge patch, where a value sets its key,
    /// null removes it and keys not named stay. Tags are plaintext and sent in status events: never put a secret here.
    /// </summary>
    Task<ConnectionResult> UpdateMetadataAsync(string userId, string connectionId, IReadOnlyDictionary<string, string?> patch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores or replaces the connection's API key or basic credentials (<c>credentials:create</c>), checked by the provider's
    /// probe where one is configured: <see cref="ConnectionCallStatus.Created"/> when stored, <see cref="ConnectionCallStatus.Succeeded"/>
    /// when it replaced an older one. The secret is sent once and never returned.
    /// </summary>
    Task<ConnectionResult> SubmitSecretAsync(string userId, string connectionId, ConnectionSecret secret, CancellationToken cancellationToken = default);

    /// <summary>
    /// Imports a grant another system holds (<c>credentials:import</c>), proved by one refresh at the provider:
    /// <see cref="ConnectionCallStatus.Created"/> when imported, <see cref="ConnectionCallStatus.Succeeded"/> when it already was,
    /// <see cref="ConnectionCallStatus.Pending"/> while the proof is still going on (send the same import again after
    /// <see cref="ConnectionResult.RetryAfter"/>). The refresh token is sent once and never returned.
    /// </summary>
    Task<ConnectionResult> ImportGrantAsync(string userId, string connectionId, GrantImport grant, CancellationToken cancellationToken = default);
}
