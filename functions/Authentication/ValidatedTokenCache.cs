using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace Credentials.Functions.Authentication;

/// <summary>Callers of recently validated tokens, keyed by the token's SHA-256 (never the token), until the token expires.</summary>
public sealed class ValidatedTokenCache(TimeProvider time) : IDisposable
{
    private const int MaxEntries = 10_000;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public Caller? Find(string token)
    {
        var key = KeyOf(token);
        return _cache.TryGetValue(key, out Entry? entry) && entry!.ExpiresAt > time.GetUtcNow() ? entry.Caller : null;
    }

    public void Add(string token, Caller caller, DateTimeOffset expiresAt)
    {
        if (expiresAt <= time.GetUtcNow())
        {
            return;
        }

        _cache.Set(KeyOf(token), new Entry(caller, expiresAt), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expiresAt });
    }

    public void Dispose() => _cache.Dispose();

    private static string KeyOf(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private sealed record Entry(Caller Caller, DateTimeOffset ExpiresAt);
}
