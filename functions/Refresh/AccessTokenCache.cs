using Credentials.Functions.Connections;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

/// <summary>
/// Decrypted access tokens of this instance, bounded in size. An entry is used only while the stored record still holds
/// the very envelope it was decrypted from, so the store stays the authority: a refresh elsewhere, a disconnect or a
/// re-encryption is seen at once (every request still reads the record; this saves the key lookup and decryption).
/// </summary>
public sealed class AccessTokenCache(IOptions<RefreshOptions> options, TimeProvider time) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.MemoryCacheEntries) });

    public string? Find(ConnectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // The envelope is ciphertext, so comparing it needs no constant time; the same array (a snapshot served again) is
        // the common case and costs one reference check.
        return record.AccessTokenEnvelope is { } envelope
            && _cache.TryGetValue(KeyOf(record), out Entry? entry)
            && (ReferenceEquals(entry!.Envelope, envelope) || entry.Envelope.AsSpan().SequenceEqual(envelope))
                ? entry.AccessToken
                : null;
    }

    public void Remember(ConnectionRecord record, string accessToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (options.Value.MemoryCacheEntries == 0 || record.AccessTokenEnvelope is not { } envelope || record.AccessTokenExpiresAt is not { } expiresAt
            || expiresAt <= time.GetUtcNow())
        {
            return;
        }

        _cache.Set(KeyOf(record), new Entry(envelope, accessToken),
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expiresAt });
    }

    public void Forget(string userId, string connectionId) => _cache.Remove((userId, connectionId));

    public void Dispose() => _cache.Dispose();

    private static (string, string) KeyOf(ConnectionRecord record) => (record.UserId, record.ConnectionId);

    private sealed record Entry(byte[] Envelope, string AccessToken);
}
