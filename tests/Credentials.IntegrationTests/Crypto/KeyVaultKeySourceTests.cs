using System.Security.Cryptography;
using Credentials.Functions.Crypto;
using Credentials.Functions.Crypto.KeySources;
using Credentials.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.Crypto;

/// <summary>The Key Vault key source through the real SecretClient against a local HTTPS Key Vault endpoint.</summary>
public sealed class KeyVaultKeySourceTests : IAsyncLifetime
{
    private const string SecretName = "credentials-master-key";
    private static readonly EncryptionContext Context = new("connections", "u1", "c1", SecretField.RefreshToken);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly EncryptionOptions _options = new()
    {
        KeySource = MasterKeySourceKind.KeyVault,
        KeySecretName = SecretName,
        KeyRefreshInterval = TimeSpan.FromMinutes(5),
        KeyRefreshRetryDelay = TimeSpan.FromSeconds(30),
    };

    private LocalKeyVault _vault = null!;

    public async Task InitializeAsync() => _vault = await LocalKeyVault.StartAsync();

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public async Task Newest_enabled_version_encrypts_older_ones_decrypt_and_steady_state_makes_no_vault_calls()
    {
        var first = _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        using var ring = CreateRing();
        var cipher = new CredentialCipher(ring);
        var underFirst = await cipher.EncryptAsync("token-1", Context, CancellationToken.None);

        var second = _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        _time.Advance(TimeSpan.FromMinutes(6));
        var underSecond = await cipher.EncryptAsync("token-2", Context, CancellationToken.None);
        var requestsAfterRefresh = _vault.SecretRequests;

        for (var i = 0; i < 500; i++)
        {
            Assert.Equal("token-1", await cipher.DecryptAsync(underFirst, Context, CancellationToken.None));
            await cipher.EncryptAsync("token-3", Context, CancellationToken.None);
        }

        Assert.Equal(first, CredentialEnvelope.ReadKeyVersion(underFirst));
        Assert.Equal(second, CredentialEnvelope.ReadKeyVersion(underSecond));
        Assert.Equal(requestsAfterRefresh, _vault.SecretRequests);
        Assert.Equal((1 + 1) + (1 + 2), requestsAfterRefresh); // each load: one list + one get per enabled version
    }

    [Fact]
    public async Task An_expired_version_still_decrypts_what_it_wrote_but_never_encrypts_again()
    {
        var first = _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        using var ring = CreateRing();
        var cipher = new CredentialCipher(ring);
        var underFirst = await cipher.EncryptAsync("token-1", Context, CancellationToken.None);

        // Rotation enforced by an expiry date: a newer version is added, and the first one expires. Then the newest
        // version expires too, with an older one still valid: the valid one encrypts.
        var second = _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        _vault.SetExpiry(SecretName, first, _time.GetUtcNow().AddMinutes(-1));
        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal("token-1", await cipher.DecryptAsync(underFirst, Context, CancellationToken.None));
        Assert.Equal(second, CredentialEnvelope.ReadKeyVersion(await cipher.EncryptAsync("token-2", Context, CancellationToken.None)));

        var third = _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        _vault.SetExpiry(SecretName, third, _time.GetUtcNow().AddMinutes(-1));
        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(second, CredentialEnvelope.ReadKeyVersion(await cipher.EncryptAsync("token-3", Context, CancellationToken.None)));
        Assert.Equal("token-1", await cipher.DecryptAsync(underFirst, Context, CancellationToken.None));
    }

    [Fact]
    public async Task When_the_vault_throttles_cached_keys_keep_serving_and_retries_wait()
    {
        _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        using var ring = CreateRing();
        var cipher = new CredentialCipher(ring);
        var envelope = await cipher.EncryptAsync("token", Context, CancellationToken.None);

        _vault.Throttle = true;
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal("token", await cipher.DecryptAsync(envelope, Context, CancellationToken.None));
        var afterFailedRefresh = _vault.SecretRequests;
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("token", await cipher.DecryptAsync(envelope, Context, CancellationToken.None));
        }

        Assert.Equal(afterFailedRefresh, _vault.SecretRequests);
        _time.Advance(TimeSpan.FromSeconds(31));
        await cipher.EncryptAsync("token", Context, CancellationToken.None);
        Assert.Equal(afterFailedRefresh + 1, _vault.SecretRequests);
    }

    [Fact]
    public async Task When_the_vault_is_down_cached_keys_keep_serving()
    {
        _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        using var ring = CreateRing();
        var cipher = new CredentialCipher(ring);
        var envelope = await cipher.EncryptAsync("token", Context, CancellationToken.None);

        await _vault.GoDownAsync();
        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal("token", await cipher.DecryptAsync(envelope, Context, CancellationToken.None));
        Assert.NotNull(await cipher.EncryptAsync("other", Context, CancellationToken.None));
    }

    [Fact]
    public async Task With_no_cached_keys_an_unreachable_vault_is_a_clear_error()
    {
        _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        _vault.Throttle = true;
        using var ring = CreateRing();

        var exception = await Assert.ThrowsAsync<MasterKeyUnavailableException>(() => ring.GetCurrentAsync(CancellationToken.None).AsTask());

        Assert.Contains("429", exception.Message, StringComparison.Ordinal);
        Assert.Contains(SecretName, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disabled_version_no_longer_decrypts_and_never_encrypts()
    {
        var older = _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        using var ring = CreateRing();
        var cipher = new CredentialCipher(ring);
        var underOlder = await cipher.EncryptAsync("token", Context, CancellationToken.None);
        var newer = _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        _vault.SetEnabled(SecretName, newer, enabled: false);
        _vault.SetEnabled(SecretName, older, enabled: true);

        _time.Advance(TimeSpan.FromMinutes(6));
        var stillOlder = await cipher.EncryptAsync("token", Context, CancellationToken.None);
        _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        _vault.SetEnabled(SecretName, older, enabled: false);
        _time.Advance(TimeSpan.FromMinutes(6));
        await ring.GetCurrentAsync(CancellationToken.None);

        Assert.Equal(older, CredentialEnvelope.ReadKeyVersion(stillOlder));
        var exception = await Assert.ThrowsAsync<CredentialDecryptionException>(() => cipher.DecryptAsync(underOlder, Context, CancellationToken.None).AsTask());
        Assert.Equal(DecryptionFailure.UnknownKeyVersion, exception.Failure);
    }

    [Fact]
    public async Task A_version_whose_value_is_not_a_32_byte_key_is_ignored()
    {
        var good = _vault.AddVersion(SecretName, RandomNumberGenerator.GetBytes(32));
        _vault.AddRawVersion(SecretName, "not-a-key");
        using var ring = CreateRing();

        Assert.Equal(good, (await ring.GetCurrentAsync(CancellationToken.None)).Version);
    }

    private MasterKeyRing CreateRing()
    {
        var source = new KeyVaultMasterKeySource(_vault.CreateClient(), Options.Create(_options), NullLogger<KeyVaultMasterKeySource>.Instance);
        return new MasterKeyRing(source, Options.Create(_options), _time, NullLogger<MasterKeyRing>.Instance);
    }
}
