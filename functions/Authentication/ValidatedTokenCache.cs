using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace Credentials.Functions.Authentication;

/// <summary>
/// Callers of recently validated tokens, keyed by the token's SHA-256 (never the token), until the token expires but
/// never longer than the given age: a token signed with a key the issuer has since withdrawn stops being accepted once
/// the keys are fetched again.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider time) : IDisposable
{
    private const int MaxEntries = 10_000;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public Caller? Find(string token)
    {
        var key = KeyOf(token);
        return _cache.TryGetValue(key, out Entry? entry) && entry!.ExpiresAt > time.GetUtcNow() ? entry.Caller : null;
    }

    public void Add(string token, Caller caller, DateTimeOffset tokenExpiresAt, TimeSpan maxAge)
    {
        var now = time.GetUtcNow();
        var expiresAt = tokenExpiresAt < now + maxAge ? tokenExpiresAt : now + maxAge;
        if (expiresAt <= now)
        {
            return;
        }

        _cache.Set(KeyOf(token), new Entry(caller, expiresAt), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expiresAt });
    }

    public void Dispose() => _cache.Dispose();

    private static string KeyOf(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private sealed record Entry(Caller Caller, DateTimeOffset ExpiresAt);
}
