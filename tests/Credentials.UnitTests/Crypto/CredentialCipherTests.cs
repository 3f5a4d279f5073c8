using Credentials.Functions.Crypto;
using Credentials.Tests.Support;

namespace Credentials.Tests.Crypto;

public sealed class CredentialCipherTests
{
    private static readonly EncryptionContext Context = new("connections", "u1", "google", SecretField.RefreshToken);

    [Fact]
    public async Task The_newest_version_encrypts_and_older_enabled_versions_still_decrypt()
    {
        var options = TestKeys.LocalOptions("k-0001");
        using var ring = TestKeys.LocalRing(options, new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        var cipher = new CredentialCipher(ring);
        var old = await cipher.EncryptAsync("refresh-old", Context, CancellationToken.None);

        options.LocalKeys["k-0002"] = TestKeys.NewBase64Key();
        var unknownFound = await ring.FindAsync("k-0002", CancellationToken.None);
        var fresh = await cipher.EncryptAsync("refresh-new", Context, CancellationToken.None);

        Assert.NotNull(unknownFound);
        Assert.Equal("k-0001", CredentialEnvelope.ReadKeyVersion(old));
        Assert.Equal("k-0002", CredentialEnvelope.ReadKeyVersion(fresh));
        Assert.Equal("refresh-old", await cipher.DecryptAsync(old, Context, CancellationToken.None));
        Assert.Equal("refresh-new", await cipher.DecryptAsync(fresh, Context, CancellationToken.None));
        Assert.True(await cipher.IsStaleAsync(old, CancellationToken.None));
        Assert.False(await cipher.IsStaleAsync(fresh, CancellationToken.None));
    }

    [Fact]
    public async Task An_unknown_key_version_gives_a_clear_error_naming_it()
    {
        using var writerRing = TestKeys.LocalRing(TestKeys.LocalOptions("writer-key"));
        using var readerRing = TestKeys.LocalRing(TestKeys.LocalOptions("reader-key"));
        var envelope = await new CredentialCipher(writerRing).EncryptAsync("secret", Context, CancellationToken.None);

        var exception = await Assert.ThrowsAsync<CredentialDecryptionException>(() =>
            new CredentialCipher(readerRing).DecryptAsync(envelope, Context, CancellationToken.None).AsTask());

        Assert.Equal(DecryptionFailure.UnknownKeyVersion, exception.Failure);
        Assert.Contains("writer-key", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", exception.Message.Replace("secret,", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
