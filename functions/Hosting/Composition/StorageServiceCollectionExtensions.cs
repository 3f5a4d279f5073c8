using Azure.Data.Tables;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Azure.Storage.Queues;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Functions.Crypto.KeySources;
using Credentials.Functions.Events;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Hosting.Composition;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>Table Storage, the master key source (Key Vault, or Local when chosen explicitly), encryption and the stores.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(configuration, StorageOptions.SectionName);
        services.AddValidatedOptions<EncryptionOptions, EncryptionOptionsValidator>(configuration, EncryptionOptions.SectionName);

        services.AddAzureClients(clients =>
        {
            clients.UseCredential(new DefaultAzureCredential());
            clients.AddClient<TableServiceClient, TableClientOptions>((clientOptions, credential, provider) =>
            {
                var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
                return storage.ConnectionString is { Length: > 0 } connectionString
                    ? new TableServiceClient(connectionString, clientOptions)
                    : new TableServiceClient(storage.TableServiceUri, credential, clientOptions);
            });
            clients.AddClient<QueueServiceClient, QueueClientOptions>((clientOptions, credential, provider) =>
            {
                var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
                // Base64 bodies are what Functions queue triggers expect by default.
                clientOptions.MessageEncoding = QueueMessageEncoding.Base64;
                return storage.ConnectionString is { Length: > 0 } connectionString
                    ? new QueueServiceClient(connectionString, clientOptions)
                    : new QueueServiceClient(storage.QueueServiceUri, credential, clientOptions);
            });
            clients.AddClient<SecretClient, SecretClientOptions>((clientOptions, credential, provider) =>
                new SecretClient(provider.GetRequiredService<IOptions<EncryptionOptions>>().Value.KeyVaultUri, credential, clientOptions));
        });

        // The key source is chosen by configuration alone; Local is never a fallback for a Key Vault that fails.
        services.AddSingleton<IMasterKeySource>(provider =>
            provider.GetRequiredService<IOptions<EncryptionOptions>>().Value.KeySource == MasterKeySourceKind.Local
                ? ActivatorUtilities.CreateInstance<LocalMasterKeySource>(provider)
                : ActivatorUtilities.CreateInstance<KeyVaultMasterKeySource>(provider));
        services.AddSingleton<ServiceMetrics>();
        services.AddSingleton<MasterKeyRing>();
        services.AddSingleton<CredentialCipher>();

        services.AddSingleton<StorageTables>();
        services.AddSingleton<ConnectionSnapshots>();
        services.AddSingleton<ConnectionStore>();
        services.AddSingleton<ConnectionSecrets>();
        services.AddSingleton<ConnectionReEncryptor>();
        services.AddSingleton<ConnectionMetadataUpdater>();
        services.AddValidatedOptions<AuditOptions, AuditOptionsValidator>(configuration, AuditOptions.SectionName);
        services.AddSingleton<AuditBuffer>();
        services.AddSingleton<AuditLog>();
        services.AddHostedService<AuditWriter>();
        services.AddSingleton<StatusEventDispatcher>();
        services.AddSingleton<IStatusEventSink>(provider => provider.GetRequiredService<StatusEventDispatcher>());
        services.AddHostedService(provider => provider.GetRequiredService<StatusEventDispatcher>());
        return services;
    }
}
