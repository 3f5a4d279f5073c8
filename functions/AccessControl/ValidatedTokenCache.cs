using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace Credentials.Functions.AccessControl;

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

    private static TokenHash KeyOf(string token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.UTF8.GetMaxByteCount(token.Length);
        var buffer = length <= 4096 ? stackalloc byte[length] : new byte[length];
        SHA256.HashData(buffer[..Encoding.UTF8.GetBytes(token, buffer)], hash);
        return new TokenHash(
            BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]), BitConverter.ToUInt64(hash[16..]), BitConverter.ToUInt64(hash[24..]));
    }

    /// <summary>A token's SHA-256 as a value: a cache key without a string per lookup.</summary>
    private readonly record struct TokenHash(ulong A, ulong B, ulong C, ulong D);

    private sealed record Entry(Caller Caller, DateTimeOffset ExpiresAt);
}
