using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Connections;

internal static class ConnectionsServiceCollectionExtensions
{
    /// <summary>The connection records, their snapshots and secrets, and re-encryption under the newest key.</summary>
    public static IServiceCollection AddConnectionRecords(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionSnapshots>();
        services.AddSingleton<ConnectionStore>();
        services.AddSingleton<IConnectionRecords>(provider => provider.GetRequiredService<ConnectionStore>());
        services.AddSingleton<ConnectionSecrets>();
        services.AddSingleton<ConnectionReEncryptor>();
        services.AddSingleton<ConnectionMetadataUpdater>();
        return services;
    }
}
