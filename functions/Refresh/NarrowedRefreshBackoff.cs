using Credentials.Functions.Connections;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

/// <summary>
/// Cooldowns of narrower tokens' refreshes, per (connection, scope set), on this instance. A narrower refresh that the
/// provider answers 5xx or 429 must not pause the connection's own refreshes (the stored token keeps being refreshed and
/// served), yet that scope set must not ask the provider on every call either: it waits as a connection would
/// (<see cref="RefreshFailurePolicy.CooldownAfter"/>: doubling from <see cref="RefreshOptions.FirstCooldown"/>, a longer
/// <c>Retry-After</c> wins). Kept in memory like the narrower tokens themselves; one success clears it.
/// </summary>
public sealed class NarrowedRefreshBackoff(IOptions<RefreshOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.MemoryCacheEntries) });

    /// <summary>How long this scope set still waits, and the provider's last error code; null when it may ask now.</summary>
    public (TimeSpan Remaining, string ErrorCode)? CoolingDown(ConnectionKey connection, ScopeSet scopes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        return _cache.TryGetValue(KeyOf(connection, scopes), out State? state) && state!.Until > now ? (state.Until - now, state.ErrorCode) : null;
    }

    /// <summary>Counts a failure and returns the cooldown it starts.</summary>
    public TimeSpan Failed(ConnectionKey connection, ScopeSet scopes, string errorCode, TimeSpan? retryAfter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        var key = KeyOf(connection, scopes);
        var failures = (_cache.TryGetValue(key, out State? previous) ? previous!.Failures : 0) + 1;
        var cooldown = RefreshFailurePolicy.CooldownAfter(options.Value, failures, retryAfter);
        // The failure count outlives the cooldown by the longest one, so that a set failing again keeps doubling.
        _cache.Set(key, new State(failures, now + cooldown, errorCode),
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = cooldown + options.Value.MaxCooldown });
        return cooldown;
    }

    public void Succeeded(ConnectionKey connection, ScopeSet scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        _cache.Remove(KeyOf(connection, scopes));
    }

    public void Dispose() => _cache.Dispose();

    private static (string, string, string) KeyOf(ConnectionKey connection, ScopeSet scopes) => (connection.UserId, connection.ConnectionId, scopes.Key);

    private sealed record State(int Failures, DateTimeOffset Until, string ErrorCode);
}
