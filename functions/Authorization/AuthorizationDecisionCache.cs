using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Authorization;

/// <summary>Short-lived reuse of Authress allows and denies, per caller, resource and permission. Failures are never cached.</summary>
public sealed class AuthorizationDecisionCache(IOptions<AuthorizationOptions> options, TimeProvider time) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 50_000 });

    public AuthorizationOutcome? Find(string callerId, CredentialAccess access) =>
        _cache.TryGetValue(KeyOf(callerId, access), out Entry? entry) && entry!.ExpiresAt > time.GetUtcNow() ? entry.Outcome : null;

    public void Remember(string callerId, CredentialAccess access, AuthorizationOutcome outcome)
    {
        var lifetime = outcome.Verdict switch
        {
            AuthorizationVerdict.Allowed => options.Value.AllowCacheDuration,
            AuthorizationVerdict.Denied => options.Value.DenyCacheDuration,
            _ => TimeSpan.Zero,
        };
        if (lifetime > TimeSpan.Zero)
        {
            var expiresAt = time.GetUtcNow() + lifetime;
            _cache.Set(KeyOf(callerId, access), new Entry(outcome with { Reason = outcome.Reason + "_cached" }, expiresAt),
                new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
        }
    }

    public void Dispose() => _cache.Dispose();

    private static string KeyOf(string callerId, CredentialAccess access) => $"{callerId}\n{access.ResourceUri}\n{access.Permission}";

    private sealed record Entry(AuthorizationOutcome Outcome, DateTimeOffset ExpiresAt);
}
