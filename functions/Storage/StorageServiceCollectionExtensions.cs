using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>The Table and Queue Storage clients (a connection string locally, the managed identity in Azure) and the tables.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(configuration, StorageOptions.SectionName);

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
        });
        services.AddSingleton<StorageTables>();
        return services;
    }
}
