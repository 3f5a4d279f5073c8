using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.SecretConnect;

internal static class SecretConnectServiceCollectionExtensions
{
    /// <summary>API-key and basic credentials: checking a submitted secret (and probing it) and storing it.</summary>
    public static IServiceCollection AddSecretConnect(this IServiceCollection services)
    {
        services.AddSingleton<SecretSubmitter>();
        services.AddSingleton<SecretValidator>();
        return services;
    }
}
