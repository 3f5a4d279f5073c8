using System.Security.Cryptography;

namespace Credentials.Functions.Crypto;

/// <summary>
/// The random bytes, HKDF-SHA256 and AES-256-GCM an envelope needs. Two implementations give identical bytes: libsodium
/// (the native library NSec ships) where the CPU has AES instructions, and the framework's OpenSSL bindings elsewhere.
/// libsodium is chosen for cost: each framework call builds an OpenSSL context (an AES-GCM context alone is about
/// 2.6 µs), while libsodium's calls take the key directly (docs/benchmarks.md).
/// </summary>
internal abstract class EnvelopePrimitives
{
    public const int KeySize = 32;
    public const int TagSize = 16;

    /// <summary>libsodium when it loads and the CPU supports its AES-GCM, otherwise the framework.</summary>
    public static EnvelopePrimitives Preferred { get; } = SodiumEnvelopePrimitives.IsSupported
        ? new SodiumEnvelopePrimitives()
        : FrameworkEnvelopePrimitives.Instance;

    public abstract string Name { get; }

    public abstract void FillRandom(Span<byte> destination);

    public abstract void DeriveKey(ReadOnlySpan<byte> inputKey, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> destination);

    public abstract void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext,
        Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData);

    /// <summary>False when the tag does not authenticate; <paramref name="plaintext"/> is then zeroed.</summary>
    public abstract bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext,
        ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData);
}

internal sealed class FrameworkEnvelopePrimitives : EnvelopePrimitives
{
    public static FrameworkEnvelopePrimitives Instance { get; } = new();

    public override string Name => "framework";

    public override void FillRandom(Span<byte> destination) => RandomNumberGenerator.Fill(destination);

    public override void DeriveKey(ReadOnlySpan<byte> inputKey, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> destination) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKey, destination, salt, info);

    public override void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext,
        Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
    }

    public override bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext,
        ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }
}
