using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Credentials.Functions.Crypto;

/// <summary>
/// The envelope primitives from libsodium 1.0.22 (shipped with NSec, already loaded for EdDSA). Its AES-256-GCM needs
/// the CPU's AES and carry-less multiply instructions; <see cref="IsSupported"/> is false without them or without the
/// library, and the framework's implementation is used instead.
/// </summary>
internal sealed unsafe partial class SodiumEnvelopePrimitives : EnvelopePrimitives
{
    private const string Library = "libsodium";
    private const int PseudorandomKeySize = 32;

    public static bool IsSupported { get; } = Probe();

    public override string Name => "libsodium";

    public override void FillRandom(Span<byte> destination)
    {
        fixed (byte* buffer = destination)
        {
            randombytes_buf(buffer, (nuint)destination.Length);
        }
    }

    public override void DeriveKey(ReadOnlySpan<byte> inputKey, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> destination)
    {
        var pseudorandomKey = stackalloc byte[PseudorandomKeySize];
        try
        {
            fixed (byte* ikm = inputKey, saltBytes = salt, infoBytes = info, output = destination)
            {
                Check(crypto_kdf_hkdf_sha256_extract(pseudorandomKey, saltBytes, (nuint)salt.Length, ikm, (nuint)inputKey.Length));
                Check(crypto_kdf_hkdf_sha256_expand(output, (nuint)destination.Length, infoBytes, (nuint)info.Length, pseudorandomKey));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(new Span<byte>(pseudorandomKey, PseudorandomKeySize));
        }
    }

    public override void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext,
        Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        RequireSizes(key, nonce, tag.Length, plaintext.Length, ciphertext.Length);
        fixed (byte* k = key, n = nonce, m = plaintext, c = ciphertext, t = tag, ad = associatedData)
        {
            ulong tagLength;
            Check(crypto_aead_aes256gcm_encrypt_detached(c, t, &tagLength, m, (ulong)plaintext.Length, ad, (ulong)associatedData.Length, null, n, k));
        }
    }

    public override bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext,
        ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        RequireSizes(key, nonce, tag.Length, plaintext.Length, ciphertext.Length);
        fixed (byte* k = key, n = nonce, c = ciphertext, t = tag, m = plaintext, ad = associatedData)
        {
            if (crypto_aead_aes256gcm_decrypt_detached(m, null, c, (ulong)ciphertext.Length, t, ad, (ulong)associatedData.Length, n, k) == 0)
            {
                return true;
            }
        }

        // libsodium's AES-GCM may have written unauthenticated plaintext before it compared the tag.
        CryptographicOperations.ZeroMemory(plaintext);
        return false;
    }

    private static void RequireSizes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, int tagLength, int plaintextLength, int ciphertextLength)
    {
        if (key.Length != KeySize || nonce.Length != 12 || tagLength != TagSize || plaintextLength != ciphertextLength)
        {
            throw new ArgumentException("AES-256-GCM takes a 32-byte key, a 12-byte nonce, a 16-byte tag and equal plaintext and ciphertext lengths.");
        }
    }

    private static void Check(int result)
    {
        if (result != 0)
        {
            throw new CryptographicException("libsodium refused the operation.");
        }
    }

    private static bool Probe()
    {
        try
        {
            return sodium_init() >= 0 && crypto_aead_aes256gcm_is_available() == 1;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    private static partial int crypto_aead_aes256gcm_is_available();

    [LibraryImport(Library)]
    private static partial void randombytes_buf(byte* buffer, nuint size);

    [LibraryImport(Library)]
    private static partial int crypto_kdf_hkdf_sha256_extract(byte* prk, byte* salt, nuint saltLength, byte* ikm, nuint ikmLength);

    [LibraryImport(Library)]
    private static partial int crypto_kdf_hkdf_sha256_expand(byte* output, nuint outputLength, byte* context, nuint contextLength, byte* prk);

    [LibraryImport(Library)]
    private static partial int crypto_aead_aes256gcm_encrypt_detached(byte* ciphertext, byte* tag, ulong* tagLength, byte* message,
        ulong messageLength, byte* associatedData, ulong associatedDataLength, byte* secretNonce, byte* publicNonce, byte* key);

    [LibraryImport(Library)]
    private static partial int crypto_aead_aes256gcm_decrypt_detached(byte* message, byte* secretNonce, byte* ciphertext,
        ulong ciphertextLength, byte* tag, byte* associatedData, ulong associatedDataLength, byte* publicNonce, byte* key);
}
