using System.Text;
using Credentials.Functions.Crypto;

namespace Credentials.Tests.Crypto;

/// <summary>
/// Envelopes written by format version 1 on 2026-11-29 and committed as bytes. A change to the format, the key
/// derivation or the associated data that stays consistent with itself would pass every round-trip test while every
/// stored record became unreadable; these must keep decrypting.
/// </summary>
public sealed class GoldenEnvelopeTests
{
    private const string MasterKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    [Theory]
    [InlineData("010b676f6c64656e2d30303031461b232bab55bf3777b24cc6b1451b43dbfffbf68dec156e9e474f061f0eb61d00033a8f584e37148e4b522df3a86b016464871f04ccfde9dc394eb47bc224d95aebbd", "connections", "user|42", "google", SecretField.RefreshToken, "1//golden-refresh-token")]
    [InlineData("010b676f6c64656e2d303030311156ddeae462b25caa375e7d2a1354b661e60a49ca1bc7aa940762da960efe856ecc5e91d4190d581aede99ef6b57f87a59a69bba0979a8dac633840a60b9884", "oauth-states", "abc123", "state", SecretField.PkceVerifier, "golden-pkce-verifier")]
    public void Committed_envelopes_still_decrypt(string envelopeHex, string table, string partitionKey, string rowKey, SecretField field, string plaintext)
    {
        using var key = new MasterKey("golden-0001", Convert.FromHexString(MasterKeyHex), DateTimeOffset.UnixEpoch);
        var envelope = Convert.FromHexString(envelopeHex);
        var context = new EncryptionContext(table, partitionKey, rowKey, field);

        var decrypted = CredentialEnvelope.Decrypt(key, envelope, context);

        Assert.Equal(plaintext, Encoding.UTF8.GetString(decrypted));
        Assert.Equal(plaintext, Encoding.UTF8.GetString(CredentialEnvelope.Decrypt(key, envelope, context, FrameworkEnvelopePrimitives.Instance)));
        Assert.Equal("golden-0001", CredentialEnvelope.ReadKeyVersion(envelope));
    }
}
