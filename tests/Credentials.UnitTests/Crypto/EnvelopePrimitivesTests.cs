using System.Text;
using Credentials.Functions.Crypto;
using Credentials.Tests.Support;

namespace Credentials.Tests.Crypto;

/// <summary>
/// libsodium and the framework must write and read the same format: a record written by an instance on one must open on
/// an instance that fell back to the other.
/// </summary>
public sealed class EnvelopePrimitivesTests
{
    private static readonly EncryptionContext Context = new("connections", "user|7", "github", SecretField.RefreshToken);
    private static readonly EnvelopePrimitives Sodium = new SodiumEnvelopePrimitives();
    private static readonly EnvelopePrimitives Framework = FrameworkEnvelopePrimitives.Instance;

    public static TheoryData<string, string> Directions => new() { { "libsodium", "framework" }, { "framework", "libsodium" } };

    [Fact]
    public void This_machine_uses_libsodium()
    {
        // x64 and arm64 build machines have AES instructions; a silent fallback would hide a packaging fault.
        Assert.True(SodiumEnvelopePrimitives.IsSupported);
        Assert.Equal("libsodium", EnvelopePrimitives.Preferred.Name);
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public void An_envelope_written_by_one_implementation_opens_with_the_other(string writer, string reader)
    {
        using var key = TestKeys.NewKey("v1");
        var plaintext = Encoding.UTF8.GetBytes("1//refresh-" + new string('r', 1000));

        var envelope = CredentialEnvelope.Encrypt(key, plaintext, Context, Named(writer));

        Assert.Equal(plaintext, CredentialEnvelope.Decrypt(key, envelope, Context, Named(reader)));
    }

    [Theory]
    [InlineData("libsodium")]
    [InlineData("framework")]
    public void Each_implementation_derives_the_RFC_5869_test_vector(string implementation)
    {
        // RFC 5869 appendix A.1 (SHA-256, 42-byte output).
        var inputKey = Convert.FromHexString("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        var salt = Convert.FromHexString("000102030405060708090a0b0c");
        var info = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9");
        var output = new byte[42];

        Named(implementation).DeriveKey(inputKey, salt, info, output);

        Assert.Equal("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", Convert.ToHexStringLower(output));
    }

    [Theory]
    [InlineData("libsodium")]
    [InlineData("framework")]
    public void A_changed_tag_fails_and_leaves_no_plaintext(string implementation)
    {
        var primitives = Named(implementation);
        var key = new byte[EnvelopePrimitives.KeySize];
        var nonce = new byte[12];
        primitives.FillRandom(key);
        primitives.FillRandom(nonce);
        var plaintext = Encoding.UTF8.GetBytes("secret-token-value");
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[EnvelopePrimitives.TagSize];
        primitives.Seal(key, nonce, plaintext, ciphertext, tag, "ad"u8);
        tag[3] ^= 1;
        var opened = new byte[plaintext.Length];

        Assert.False(primitives.TryOpen(key, nonce, ciphertext, tag, opened, "ad"u8));
        Assert.All(opened, b => Assert.Equal(0, b));
    }

    private static EnvelopePrimitives Named(string name) => name == "libsodium" ? Sodium : Framework;
}
