using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Credentials.Functions.Crypto;

/// <summary>
/// The versioned ciphertext format (docs/encryption.md): AES-256-GCM under a per-record key derived by HKDF-SHA256 from
/// a master key version and a random salt, with associated data binding header, table, row and field.
/// <code>
/// 0x01 | len(keyVersion) | keyVersion (ASCII) | salt (16) | nonce (12) | ciphertext | tag (16)
/// </code>
/// </summary>
internal static class CredentialEnvelope
{
    public const byte FormatVersion = 1;
    public const int SaltSize = 16;
    public const int NonceSize = 12;
    public const int TagSize = EnvelopePrimitives.TagSize;
    private const int KeySize = EnvelopePrimitives.KeySize;
    private static readonly byte[] DerivationInfo = "credentials/aes-256-gcm/v1"u8.ToArray();
    private static readonly byte[] AssociatedDataLabel = "credentials-envelope-v1"u8.ToArray();

    public static byte[] Encrypt(MasterKey key, ReadOnlySpan<byte> plaintext, in EncryptionContext context) =>
        Encrypt(key, plaintext, context, EnvelopePrimitives.Preferred);

    internal static byte[] Encrypt(MasterKey key, ReadOnlySpan<byte> plaintext, in EncryptionContext context, EnvelopePrimitives primitives)
    {
        ArgumentNullException.ThrowIfNull(key);
        var headerLength = 2 + key.Version.Length;
        var envelope = new byte[headerLength + SaltSize + NonceSize + plaintext.Length + TagSize];
        envelope[0] = FormatVersion;
        envelope[1] = (byte)key.Version.Length;
        Encoding.ASCII.GetBytes(key.Version, envelope.AsSpan(2));

        var salt = envelope.AsSpan(headerLength, SaltSize);
        var nonce = envelope.AsSpan(headerLength + SaltSize, NonceSize);
        var ciphertext = envelope.AsSpan(headerLength + SaltSize + NonceSize, plaintext.Length);
        var tag = envelope.AsSpan(envelope.Length - TagSize);
        // Salt and nonce are adjacent: one call to the RNG fills both.
        primitives.FillRandom(envelope.AsSpan(headerLength, SaltSize + NonceSize));

        Span<byte> recordKey = stackalloc byte[KeySize];
        try
        {
            key.DeriveKey(salt, DerivationInfo, recordKey, primitives);
            var associatedDataLength = AssociatedDataLength(headerLength, context);
            var associatedData = associatedDataLength <= StackAssociatedDataLimit ? stackalloc byte[associatedDataLength] : new byte[associatedDataLength];
            WriteAssociatedData(associatedData, envelope.AsSpan(0, headerLength), context);
            primitives.Seal(recordKey, nonce, plaintext, ciphertext, tag, associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(recordKey);
        }

        return envelope;
    }

    /// <summary>The key version an envelope was written under, without decrypting it.</summary>
    public static string ReadKeyVersion(ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length < 2)
        {
            throw Malformed("it is shorter than its header");
        }

        if (envelope[0] != FormatVersion)
        {
            throw new CredentialDecryptionException(DecryptionFailure.UnsupportedFormat,
                $"Ciphertext format version {envelope[0]} is not supported (this build reads version {FormatVersion}).");
        }

        var versionLength = envelope[1];
        if (versionLength == 0 || envelope.Length < 2 + versionLength + SaltSize + NonceSize + TagSize)
        {
            throw Malformed("its lengths are inconsistent");
        }

        return Encoding.ASCII.GetString(envelope.Slice(2, versionLength));
    }

    public static byte[] Decrypt(MasterKey key, ReadOnlySpan<byte> envelope, in EncryptionContext context) =>
        Decrypt(key, envelope, context, EnvelopePrimitives.Preferred);

    internal static byte[] Decrypt(MasterKey key, ReadOnlySpan<byte> envelope, in EncryptionContext context, EnvelopePrimitives primitives)
    {
        ArgumentNullException.ThrowIfNull(key);
        var version = ReadKeyVersion(envelope);
        if (!string.Equals(version, key.Version, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The envelope was written under key version '{version}', not '{key.Version}'.", nameof(key));
        }

        var headerLength = 2 + version.Length;
        var salt = envelope.Slice(headerLength, SaltSize);
        var nonce = envelope.Slice(headerLength + SaltSize, NonceSize);
        var ciphertext = envelope[(headerLength + SaltSize + NonceSize)..^TagSize];
        var tag = envelope[^TagSize..];
        var plaintext = new byte[ciphertext.Length];

        Span<byte> recordKey = stackalloc byte[KeySize];
        try
        {
            key.DeriveKey(salt, DerivationInfo, recordKey, primitives);
            var associatedDataLength = AssociatedDataLength(headerLength, context);
            var associatedData = associatedDataLength <= StackAssociatedDataLimit ? stackalloc byte[associatedDataLength] : new byte[associatedDataLength];
            WriteAssociatedData(associatedData, envelope[..headerLength], context);
            if (!primitives.TryOpen(recordKey, nonce, ciphertext, tag, plaintext, associatedData))
            {
                throw new CredentialDecryptionException(DecryptionFailure.AuthenticationFailed,
                    $"The {context.Field} ciphertext does not authenticate under key version '{version}' for this record: " +
                    "it was altered, copied from another row or field, or written with a different key.");
            }

            return plaintext;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(recordKey);
        }
    }

    private const int StackAssociatedDataLimit = 512;

    private static int AssociatedDataLength(int headerLength, in EncryptionContext context) =>
        AssociatedDataLabel.Length + 4 + headerLength
        + 4 + Encoding.UTF8.GetByteCount(context.Table)
        + 4 + Encoding.UTF8.GetByteCount(context.PartitionKey)
        + 4 + Encoding.UTF8.GetByteCount(context.RowKey)
        + 4 + Encoding.UTF8.GetByteCount(FieldName(context.Field));

    /// <summary>Length-prefixed fields, so no two different contexts can produce the same bytes.</summary>
    private static void WriteAssociatedData(Span<byte> destination, ReadOnlySpan<byte> header, in EncryptionContext context)
    {
        AssociatedDataLabel.CopyTo(destination);
        var span = destination[AssociatedDataLabel.Length..];
        span = WriteLengthPrefixed(span, header);
        span = WriteLengthPrefixed(span, context.Table);
        span = WriteLengthPrefixed(span, context.PartitionKey);
        span = WriteLengthPrefixed(span, context.RowKey);
        WriteLengthPrefixed(span, FieldName(context.Field));
    }

    /// <summary>The field's name as bound into the associated data (the enum member's name, without Enum.ToString's cost).</summary>
    private static string FieldName(SecretField field) => field switch
    {
        SecretField.RefreshToken => nameof(SecretField.RefreshToken),
        SecretField.AccessToken => nameof(SecretField.AccessToken),
        SecretField.PkceVerifier => nameof(SecretField.PkceVerifier),
        _ => field.ToString(),
    };

    private static Span<byte> WriteLengthPrefixed(Span<byte> destination, string value)
    {
        var written = Encoding.UTF8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteInt32BigEndian(destination, written);
        return destination[(4 + written)..];
    }

    private static Span<byte> WriteLengthPrefixed(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, value.Length);
        value.CopyTo(destination[4..]);
        return destination[(4 + value.Length)..];
    }

    private static CredentialDecryptionException Malformed(string why) =>
        new(DecryptionFailure.Malformed, $"The stored value is not a credential envelope: {why}.");
}
