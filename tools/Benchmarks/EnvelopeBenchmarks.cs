using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Credentials.Functions.Crypto;

namespace Credentials.Benchmarks;

/// <summary>
/// Encrypt and decrypt of a 1 KB token: HKDF per-record key derivation plus AES-256-GCM, with the primitives the app
/// uses (libsodium) and, side by side, the framework's OpenSSL bindings that are its fallback.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks : IDisposable
{
    private readonly EncryptionContext _context = new("connections", "google-oauth2|1234567890", "google", SecretField.RefreshToken);
    private MasterKey _key = null!;
    private byte[] _token = null!;
    private byte[] _envelope = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = new MasterKey("0123456789abcdef0123456789abcdef", RandomNumberGenerator.GetBytes(MasterKey.SizeInBytes), DateTimeOffset.UnixEpoch);
        _token = RandomNumberGenerator.GetBytes(1024);
        _envelope = CredentialEnvelope.Encrypt(_key, _token, _context);
    }

    [Benchmark]
    public byte[] Encrypt1KB() => CredentialEnvelope.Encrypt(_key, _token, _context);

    [Benchmark]
    public byte[] Decrypt1KB() => CredentialEnvelope.Decrypt(_key, _envelope, _context);

    [Benchmark]
    public byte[] Encrypt1KBFramework() => CredentialEnvelope.Encrypt(_key, _token, _context, FrameworkEnvelopePrimitives.Instance);

    [Benchmark]
    public byte[] Decrypt1KBFramework() => CredentialEnvelope.Decrypt(_key, _envelope, _context, FrameworkEnvelopePrimitives.Instance);

    [GlobalCleanup]
    public void Dispose()
    {
        _key?.Dispose();
        GC.SuppressFinalize(this);
    }
}
