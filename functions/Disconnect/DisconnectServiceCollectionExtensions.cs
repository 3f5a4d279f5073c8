using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Disconnect;

internal static class DisconnectServiceCollectionExtensions
{
    /// <summary>Removing a connection: revoke at the provider, delete, forget cached tokens, tell subscribers.</summary>
    public static IServiceCollection AddDisconnect(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionRemover>();
        return services;
    }
}
