using Azure.Data.Tables;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Functions.Events;
using Credentials.Functions.Storage;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Credentials.Tests.Support;

/// <summary>A store over its own Azurite tables with its own local master keys.</summary>
internal sealed class StoreTestContext : IDisposable
{
    public StoreTestContext(AzuriteFixture azurite, TableClientOptions? tableOptions = null, params string[] keyVersions)
    {
        KeyOptions = TestKeys.LocalOptions(keyVersions.Length == 0 ? ["k-0001"] : keyVersions);
        Ring = TestKeys.LocalRing(KeyOptions);
        Tables = azurite.CreateIsolatedTables(tableOptions);
        Snapshots = new ConnectionSnapshots(Microsoft.Extensions.Options.Options.Create(new StorageOptions()), TimeProvider.System);
        var events = new StorageOptions { StatusEventsQueue = "events-" + Guid.NewGuid().ToString("N")[..12] };
        StatusEvents = new StatusEventDispatcher(new Azure.Storage.Queues.QueueServiceClient(azurite.ConnectionString), Tables,
            Microsoft.Extensions.Options.Options.Create(events), TimeProvider.System, Meters, NullLogger<StatusEventDispatcher>.Instance);
        Store = new ConnectionStore(Tables, Snapshots, StatusEvents, NullLogger<ConnectionStore>.Instance);
        Secrets = new ConnectionSecrets(new CredentialCipher(Ring));
    }

    public EncryptionOptions KeyOptions { get; }

    public MasterKeyRing Ring { get; }

    public StorageTables Tables { get; }

    public ConnectionSnapshots Snapshots { get; }

    public ConnectionStore Store { get; }

    public StatusEventDispatcher StatusEvents { get; }

    private static System.Diagnostics.Metrics.IMeterFactory Meters { get; } =
        new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddMetrics().BuildServiceProvider()
            .GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();

    public ConnectionSecrets Secrets { get; }

    public Task<ConnectionRecord> NewRecordAsync(string userId, string connectionId, string refreshToken = "refresh-token-value", string? accessToken = "access-token-value") =>
        TestRecords.CreateAsync(Secrets, userId, connectionId, refreshToken, accessToken);

    public void Dispose()
    {
        Ring.Dispose();
        Snapshots.Dispose();
        StatusEvents.Dispose();
    }
}
