using System.Security.Cryptography;
using Azure.Security.KeyVault.Secrets;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Storage;

/// <summary>The app's own composition, as the dev host builds it, wired to Azurite and the local Key Vault endpoint.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class CompositionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_composed_store_writes_under_the_key_vault_key_and_reads_back()
    {
        await using var vault = await LocalKeyVault.StartAsync();
        var version = vault.AddVersion("credentials-master-key", RandomNumberGenerator.GetBytes(32));
        var table = "Composed" + Guid.NewGuid().ToString("N")[..10];
        await using var host = await RunningDevHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = azurite.ConnectionString,
                ["Storage:ConnectionsTable"] = table,
                ["Encryption:KeySource"] = "KeyVault",
                ["Encryption:KeyVaultUri"] = vault.VaultUri.ToString(),
                ["Encryption:LocalKeys:test-0001"] = null,
            },
            services => services.AddSingleton<SecretClient>(vault.CreateClient()));
        var store = host.Services.GetRequiredService<ConnectionStore>();
        var secrets = host.Services.GetRequiredService<ConnectionSecrets>();
        var record = await TestRecords.CreateAsync(secrets, "u1", "google", "composed-refresh", accessToken: null);

        await store.AddAsync(record, CancellationToken.None);
        var stored = await store.GetAsync("u1", "google", CancellationToken.None);

        Assert.Equal(version, stored!.KeyVersion);
        Assert.Equal("composed-refresh", await secrets.ReadRefreshTokenAsync(stored, CancellationToken.None));
        Assert.Equal(version, (await host.Services.GetRequiredService<MasterKeyRing>().GetCurrentAsync(CancellationToken.None)).Version);
    }
}
