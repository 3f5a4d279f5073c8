using Credentials.Functions.Connections;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

/// <summary>
/// Narrower access tokens of this instance, one per (connection, scope set), apart from the stored token and never
/// written to the store. An entry is used only while the stored record still shows the grant it came from (same
/// provider, same last successful refresh): a reconnect or a refresh elsewhere retires it, as do a disconnect and a lost
/// grant, which every request sees in the record before it looks here.
/// </summary>
public sealed class NarrowedTokenCache(IOptions<RefreshOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.MemoryCacheEntries) });

    /// <summary>
    /// A cached token of <paramref name="scopes"/> that stays valid <paramref name="minValidity"/> (capped at half its
    /// lifetime) and, with <paramref name="issuedSince"/>, was issued at or after it (a renewal's window).
    /// </summary>
    public IssuedAccessToken? Find(ConnectionRecord record, ScopeSet scopes, TimeSpan minValidity, DateTimeOffset now, DateTimeOffset? issuedSince = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(scopes);
        if (!_cache.TryGetValue(KeyOf(record, scopes), out Entry? entry) || !entry!.IsOf(record) || entry.IssuedAt < issuedSince)
        {
            return null;
        }

        var halfLifetime = (entry.Token.ExpiresAt - entry.IssuedAt) / 2;
        return entry.Token.ExpiresAt - now >= (halfLifetime < minValidity ? halfLifetime : minValidity) ? entry.Token : null;
    }

    public void Remember(ConnectionRecord record, ScopeSet scopes, IssuedAccessToken token, DateTimeOffset issuedAt)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(token);
        if (options.Value.MemoryCacheEntries == 0 || token.ExpiresAt <= issuedAt)
        {
            return;
        }

        _cache.Set(KeyOf(record, scopes), new Entry(token, issuedAt, record.ProviderId, record.LastRefreshSucceededAt),
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = token.ExpiresAt });
    }

    public void Dispose() => _cache.Dispose();

    private static (string, string, string) KeyOf(ConnectionRecord record, ScopeSet scopes) => (record.UserId, record.ConnectionId, scopes.Key);

    private sealed record Entry(IssuedAccessToken Token, DateTimeOffset IssuedAt, string ProviderId, DateTimeOffset? GrantRefreshedAt)
    {
        public bool IsOf(ConnectionRecord record) => string.Equals(ProviderId, record.ProviderId, StringComparison.Ordinal) && GrantRefreshedAt == record.LastRefreshSucceededAt;
    }
}
