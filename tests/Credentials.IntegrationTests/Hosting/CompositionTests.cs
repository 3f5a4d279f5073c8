using System.Security.Cryptography;
using Azure.Security.KeyVault.Secrets;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Hosting;

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
        var stored = await store.GetAsync(ConnectionKeys.Of("u1", "google"), CancellationToken.None);

        Assert.Equal(version, stored!.KeyVersion);
        Assert.Equal("composed-refresh", await secrets.ReadRefreshTokenAsync(stored, CancellationToken.None));
        Assert.Equal(version, (await host.Services.GetRequiredService<MasterKeyRing>().GetCurrentAsync(CancellationToken.None)).Version);
    }

    [Fact]
    public async Task With_roles_scoped_to_the_tables_and_queue_creating_them_is_refused_and_the_provisioned_ones_are_used()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var connections = "Scoped" + suffix;
        var queue = "scoped-" + suffix;
        await azurite.CreateServiceClient().GetTableClient(connections).CreateIfNotExistsAsync();
        await new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, queue).CreateIfNotExistsAsync();
        var refuseCreation = new RefuseCreation();
        var tableOptions = new Azure.Data.Tables.TableClientOptions();
        tableOptions.AddPolicy(refuseCreation, Azure.Core.HttpPipelinePosition.PerCall);
        var queueOptions = new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 };
        queueOptions.AddPolicy(refuseCreation, Azure.Core.HttpPipelinePosition.PerCall);
        await using var host = await RunningDevHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = azurite.ConnectionString,
                ["Storage:ConnectionsTable"] = connections,
                ["Storage:StatusEventsQueue"] = queue,
            },
            services =>
            {
                services.AddSingleton(azurite.CreateServiceClient(tableOptions));
                services.AddSingleton(new Azure.Storage.Queues.QueueServiceClient(azurite.ConnectionString, queueOptions));
            });
        var store = host.Services.GetRequiredService<ConnectionStore>();
        var record = await TestRecords.CreateAsync(host.Services.GetRequiredService<ConnectionSecrets>(), "u1", "google", "scoped-refresh", accessToken: null);

        var written = await store.AddAsync(record, Credentials.Functions.Connections.ConnectionStatusEvent.Between(null, record, "connected", DateTimeOffset.UtcNow),
            CancellationToken.None);

        Assert.True(written.Succeeded);
        // The status event is sent in the background, right after the write.
        var queueClient = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, queue);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while ((await queueClient.PeekMessagesAsync()).Value.Length == 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(refuseCreation.Refused >= 2, "creating the table and the queue was refused, as a scoped role would");
        Assert.Single((await queueClient.PeekMessagesAsync()).Value);
    }

    /// <summary>Answers "create table" and "create queue" with 403, as Azure does for an identity whose role is scoped to one table or queue.</summary>
    private sealed class RefuseCreation : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        private int _refused;

        public int Refused => Volatile.Read(ref _refused);

        public override void OnSendingRequest(Azure.Core.HttpMessage message)
        {
            var request = message.Request;
            var isTableCreate = request.Method == Azure.Core.RequestMethod.Post && request.Uri.Path.EndsWith("/Tables", StringComparison.Ordinal);
            var isQueueCreate = request.Method == Azure.Core.RequestMethod.Put && !request.Uri.Query.Contains("comp=", StringComparison.Ordinal)
                && !request.Uri.Path.Contains("/messages", StringComparison.Ordinal) && !request.Uri.Path.Contains('(');
            if (isTableCreate || isQueueCreate)
            {
                Interlocked.Increment(ref _refused);
                throw new Azure.RequestFailedException(403, "This request is not authorized to perform this operation.", "AuthorizationPermissionMismatch", null);
            }
        }
    }
}
