using Azure.Data.Tables;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Functions.Storage;
using Credentials.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Credentials.Tests.Storage;

/// <summary>A store over its own Azurite tables with its own local master keys.</summary>
internal sealed class StoreTestContext : IDisposable
{
    public StoreTestContext(AzuriteFixture azurite, TableClientOptions? tableOptions = null, params string[] keyVersions)
    {
        KeyOptions = TestKeys.LocalOptions(keyVersions.Length == 0 ? ["k-0001"] : keyVersions);
        Ring = TestKeys.LocalRing(KeyOptions);
        Tables = azurite.CreateIsolatedTables(tableOptions);
        Snapshots = new ConnectionSnapshots(Microsoft.Extensions.Options.Options.Create(new StorageOptions()), TimeProvider.System);
        Store = new ConnectionStore(Tables, Snapshots, NullLogger<ConnectionStore>.Instance);
        Secrets = new ConnectionSecrets(new CredentialCipher(Ring));
    }

    public EncryptionOptions KeyOptions { get; }

    public MasterKeyRing Ring { get; }

    public StorageTables Tables { get; }

    public ConnectionSnapshots Snapshots { get; }

    public ConnectionStore Store { get; }

    public ConnectionSecrets Secrets { get; }

    public Task<ConnectionRecord> NewRecordAsync(string userId, string connectionId, string refreshToken = "refresh-token-value", string? accessToken = "access-token-value") =>
        TestRecords.CreateAsync(Secrets, userId, connectionId, refreshToken, accessToken);

    public void Dispose()
    {
        Ring.Dispose();
        Snapshots.Dispose();
    }
}
