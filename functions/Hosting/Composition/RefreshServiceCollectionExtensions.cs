using Credentials.Functions.Disconnect;
using Credentials.Functions.Refresh;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Hosting.Composition;

internal static class RefreshServiceCollectionExtensions
{
    /// <summary>The refresh engine, access-token hand-out and disconnect.</summary>
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
        services.AddSingleton<ConnectionRemover>();
        return services;
    }
}
