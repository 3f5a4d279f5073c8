using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Refresh;

internal static class RefreshServiceCollectionExtensions
{
    /// <summary>The refresh engine and the access-token hand-out.</summary>
    public static IServiceCollection AddRefresh(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RefreshOptions, RefreshOptionsValidator>(configuration, RefreshOptions.SectionName);
        services.AddSingleton<AccessTokenCache>();
        services.AddSingleton<NarrowedTokenCache>();
        services.AddSingleton<NarrowedRefreshOutcomes>();
        services.AddSingleton<NarrowedRefreshBackoff>();
        services.AddSingleton<FailedRefreshOutcomes>();
        services.AddSingleton<ProviderRefresher>();
        services.AddSingleton<RefreshOutcomeStore>();
        services.AddSingleton<RefreshEngine>();
        services.AddSingleton<AccessTokenService>();
        return services;
    }
}
