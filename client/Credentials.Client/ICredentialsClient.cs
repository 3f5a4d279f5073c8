namespace Credentials.Client;

/// <summary>Users' provider access tokens from the Credentials service.</summary>
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
}
