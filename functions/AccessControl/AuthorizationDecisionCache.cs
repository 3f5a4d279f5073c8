using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl;

/// <summary>
/// Short-lived reuse of Authress allows and denies, per caller (<see cref="Caller.Key"/>: issuer and subject), resource and
/// permission. Failures are never cached.
/// </summary>
public sealed class AuthorizationDecisionCache(IOptions<AuthorizationOptions> options, TimeProvider time) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 50_000 });

    public AuthorizationOutcome? Find(string callerKey, string resourceUri, string permission) =>
        _cache.TryGetValue(KeyOf(callerKey, resourceUri, permission), out Entry? entry) && entry!.ExpiresAt > time.GetUtcNow() ? entry.Outcome : null;

    /// <param name="callerKey">Who asked: <see cref="Caller.Key"/>, issuer and subject.</param>
    /// <param name="resourceUri">What about.</param>
    /// <param name="permission">For what.</param>
    /// <param name="outcome">Authress' answer.</param>
    /// <param name="denialMeansFallBack">A denial that only leads to a finer check (never to a 403): kept as long as an allow.</param>
    public void Remember(string callerKey, string resourceUri, string permission, AuthorizationOutcome outcome, bool denialMeansFallBack = false)
    {
        var lifetime = outcome.Verdict switch
        {
            AuthorizationVerdict.Allowed => options.Value.AllowCacheDuration,
            AuthorizationVerdict.Denied when denialMeansFallBack => options.Value.AllowCacheDuration,
            AuthorizationVerdict.Denied => options.Value.DenyCacheDuration,
            _ => TimeSpan.Zero,
        };
        if (lifetime > TimeSpan.Zero)
        {
            var expiresAt = time.GetUtcNow() + lifetime;
            _cache.Set(KeyOf(callerKey, resourceUri, permission), new Entry(outcome, expiresAt),
                new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
        }
    }

    public void Dispose() => _cache.Dispose();

    private static string KeyOf(string callerKey, string resourceUri, string permission) => $"{callerKey}\n{resourceUri}\n{permission}";

    private sealed record Entry(AuthorizationOutcome Outcome, DateTimeOffset ExpiresAt);
}
