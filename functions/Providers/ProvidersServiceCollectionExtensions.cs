using Credentials.Functions.Foundation.Configuration;
using Credentials.Functions.Foundation.Outbound;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Providers;

internal static class ProvidersServiceCollectionExtensions
{
    /// <summary>Configured OAuth providers (presets applied) and the client that talks to their endpoints.</summary>
    public static IServiceCollection AddProviders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProvidersOptions>()
            .Configure(options => configuration.GetSection(ProvidersOptions.SectionName).Bind(options.Providers))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProvidersOptions>, ProvidersOptionsValidator>();

        // Each request sets its own deadline; the client-wide timeout would otherwise cut long retries short. Connections
        // only to addresses OutboundConnector allows, never through an environment proxy.
        services.AddHttpClient(ProviderEndpointResolver.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectCallback = provider.GetRequiredService<OutboundConnector>().ConnectAsync,
                UseProxy = false,
            });

        services.AddSingleton<ProviderCatalog>();
        services.AddSingleton<ProviderEndpointResolver>();
        services.AddSingleton<ProviderTokenClient>();
        services.AddValidatedOptions<ProviderLimitsOptions, ProviderLimitsOptionsValidator>(configuration, ProviderLimitsOptions.SectionName);
        services.AddSingleton<ProviderLimitsTable>();
        services.AddSingleton<ProviderRateGovernor>();
        services.AddSingleton<ProviderMisconfiguration>();
        services.AddSingleton<SecretProbe>();
        services.AddSingleton<GrantRevoker>();
        return services;
    }
}
