using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Credentials.Functions.Crypto;

/// <summary>
/// One version of the 256-bit master key. The bytes never leave this type: callers derive per-record keys from it, and
/// <see cref="Dispose"/> zeroes them (a disposed key refuses further use instead of deriving from zeroes).
/// </summary>
public sealed class MasterKey : IDisposable
{
    public const int SizeInBytes = 32;
    private readonly byte[] _material;
    private readonly Lock _gate = new();
    private bool _destroyed;

    /// <summary>Takes ownership of <paramref name="material"/>; it is zeroed when this key is disposed.</summary>
    /// <param name="version">The key version, written into every envelope.</param>
    /// <param name="material">32 bytes.</param>
    /// <param name="createdAt">When the version was created: the newest that may encrypt is current.</param>
    /// <param name="expiresOn">After this the version still decrypts but never encrypts again (a Key Vault expiry date).</param>
    public MasterKey(string version, byte[] material, DateTimeOffset createdAt, DateTimeOffset? expiresOn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(material);
        if (material.Length != SizeInBytes)
        {
            CryptographicOperations.ZeroMemory(material);
            throw new ArgumentException($"A master key is {SizeInBytes} bytes; key version '{version}' has {material.Length}.", nameof(material));
        }

        if (version.Length > byte.MaxValue || version.Any(c => c is < '!' or > '~'))
        {
            throw new ArgumentException("A key version is 1 to 255 printable ASCII characters.", nameof(version));
        }

        Version = version;
        _material = material;
        CreatedAt = createdAt;
        ExpiresOn = expiresOn;
    }

    public string Version { get; }

    public DateTimeOffset? ExpiresOn { get; }

    /// <summary>Whether new envelopes may be written under this version at <paramref name="now"/>.</summary>
    public bool MayEncryptAt(DateTimeOffset now) => ExpiresOn is not { } expires || expires > now;

    /// <summary>
    /// The one rule for a master key's stored form (a Key Vault secret value or a local setting): base64 of exactly
    /// 32 bytes, surrounding white space ignored. The scratch buffer is zeroed either way.
    /// </summary>
    public static bool TryDecodeMaterial(string? value, [NotNullWhen(true)] out byte[]? material)
    {
        material = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var buffer = new byte[(value.Length * 3 / 4) + 3];
        try
        {
            if (Convert.TryFromBase64String(value.Trim(), buffer, out var written) && written == SizeInBytes)
            {
                material = buffer[..SizeInBytes];
                return true;
            }

            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>HKDF-SHA256 of the master key with <paramref name="salt"/> and <paramref name="info"/> into <paramref name="destination"/>.</summary>
    public void DeriveKey(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> destination) =>
        DeriveKey(salt, info, destination, EnvelopePrimitives.Preferred);

    internal void DeriveKey(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> destination, EnvelopePrimitives primitives)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_destroyed, this);
            primitives.DeriveKey(_material, salt, info, destination);
        }
    }

    /// <summary>Constant-time comparison of key material, for telling a changed secret value from an unchanged one.</summary>
    public bool HasSameMaterialAs(MasterKey other)
    {
        ArgumentNullException.ThrowIfNull(other);
        lock (_gate)
        {
            lock (other._gate)
            {
                return !_destroyed && !other._destroyed && CryptographicOperations.FixedTimeEquals(_material, other._material);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _destroyed = true;
            CryptographicOperations.ZeroMemory(_material);
        }
    }
}
