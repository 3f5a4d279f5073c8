using System.Security.Cryptography;
using System.Text;
using Credentials.Functions.Crypto;
using Credentials.Tests.Support;

namespace Credentials.Tests.Crypto;

public sealed class CredentialEnvelopeTests
{
    private static readonly EncryptionContext Context = new("connections", "google-oauth2|123", "google", SecretField.RefreshToken);
    private static readonly byte[] Token = Encoding.UTF8.GetBytes("1//0refresh-token-" + new string('x', 1000));

    [Fact]
    public void Round_trip_returns_the_plaintext_and_the_envelope_does_not_contain_it()
    {
        using var key = TestKeys.NewKey("v1");

        var envelope = CredentialEnvelope.Encrypt(key, Token, Context);

        Assert.Equal(Token, CredentialEnvelope.Decrypt(key, envelope, Context));
        Assert.Equal("v1", CredentialEnvelope.ReadKeyVersion(envelope));
        Assert.Equal(-1, envelope.AsSpan().IndexOf(Token.AsSpan(0, 16)));
    }

    [Fact]
    public void Changing_any_single_byte_fails_to_decrypt()
    {
        using var key = TestKeys.NewKey("v1");
        var envelope = CredentialEnvelope.Encrypt(key, Encoding.UTF8.GetBytes("short-token"), Context);

        for (var i = 0; i < envelope.Length; i++)
        {
            var tampered = (byte[])envelope.Clone();
            tampered[i] ^= 0x01;
            var thrown = Record.Exception(() => CredentialEnvelope.Decrypt(key, tampered, Context));
            Assert.True(thrown is CredentialDecryptionException or ArgumentException, $"byte {i} altered but decryption did not fail");
        }
    }

    [Theory]
    [InlineData("connections", "google-oauth2|999", "google", SecretField.RefreshToken)]
    [InlineData("connections", "google-oauth2|123", "github", SecretField.RefreshToken)]
    [InlineData("connections", "google-oauth2|123", "google", SecretField.AccessToken)]
    [InlineData("oauth-states", "google-oauth2|123", "google", SecretField.RefreshToken)]
    public void A_ciphertext_moved_to_another_row_field_or_table_fails(string table, string partition, string row, SecretField field)
    {
        using var key = TestKeys.NewKey("v1");
        var envelope = CredentialEnvelope.Encrypt(key, Token, Context);

        var exception = Assert.Throws<CredentialDecryptionException>(() =>
            CredentialEnvelope.Decrypt(key, envelope, new EncryptionContext(table, partition, row, field)));

        Assert.Equal(DecryptionFailure.AuthenticationFailed, exception.Failure);
    }

    [Fact]
    public void The_wrong_key_with_the_same_version_name_fails()
    {
        using var key = TestKeys.NewKey("v1");
        using var impostor = TestKeys.NewKey("v1");
        var envelope = CredentialEnvelope.Encrypt(key, Token, Context);

        var exception = Assert.Throws<CredentialDecryptionException>(() => CredentialEnvelope.Decrypt(impostor, envelope, Context));

        Assert.Equal(DecryptionFailure.AuthenticationFailed, exception.Failure);
    }

    [Fact]
    public void Nonces_and_salts_never_repeat_over_100k_encryptions()
    {
        using var key = TestKeys.NewKey("v1");
        var nonces = new HashSet<string>(StringComparer.Ordinal);
        var salts = new HashSet<string>(StringComparer.Ordinal);
        var headerLength = 2 + key.Version.Length;

        for (var i = 0; i < 100_000; i++)
        {
            var envelope = CredentialEnvelope.Encrypt(key, "t"u8, Context);
            Assert.True(salts.Add(Convert.ToHexString(envelope, headerLength, CredentialEnvelope.SaltSize)));
            Assert.True(nonces.Add(Convert.ToHexString(envelope, headerLength + CredentialEnvelope.SaltSize, CredentialEnvelope.NonceSize)));
        }
    }

    [Fact]
    public void Truncated_or_unknown_format_is_reported_as_such()
    {
        using var key = TestKeys.NewKey("v1");
        var envelope = CredentialEnvelope.Encrypt(key, Token, Context);
        var future = (byte[])envelope.Clone();
        future[0] = 2;

        Assert.Equal(DecryptionFailure.Malformed, Assert.Throws<CredentialDecryptionException>(() => CredentialEnvelope.ReadKeyVersion(envelope.AsSpan(0, 20))).Failure);
        Assert.Equal(DecryptionFailure.Malformed, Assert.Throws<CredentialDecryptionException>(() => CredentialEnvelope.ReadKeyVersion([1])).Failure);
        Assert.Equal(DecryptionFailure.UnsupportedFormat, Assert.Throws<CredentialDecryptionException>(() => CredentialEnvelope.ReadKeyVersion(future)).Failure);
    }

    [Fact]
    public void A_disposed_key_is_zeroed_and_refuses_use()
    {
        var material = RandomNumberGenerator.GetBytes(MasterKey.SizeInBytes);
        var key = new MasterKey("v1", material, DateTimeOffset.UnixEpoch);

        key.Dispose();

        Assert.All(material, b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => CredentialEnvelope.Encrypt(key, Token, Context));
    }
}
