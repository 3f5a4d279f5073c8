using Credentials.Functions.Foundation.Outbound;
using Credentials.Functions.OAuthConnect;
using Credentials.Functions.Providers;
using Credentials.Functions.SecretConnect;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Hosting.Composition;

internal static class OAuthConnectServiceCollectionExtensions
{
    /// <summary>Configured OAuth providers (presets applied), the client that talks to them, and the connect flow.</summary>
    public static IServiceCollection AddOAuthConnect(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProvidersOptions>()
            .Configure(options => configuration.GetSection(ProvidersOptions.SectionName).Bind(options.Providers))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProvidersOptions>, ProvidersOptionsValidator>();
        services.AddValidatedOptions<ConnectOptions, ConnectOptionsValidator>(configuration, ConnectOptions.SectionName);

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
        services.AddSingleton<ProviderMisconfiguration>();
        services.AddSingleton<OAuthStateStore>();
        services.AddSingleton<ReturnUrlPolicy>();
        services.AddSingleton<BrowserBindingCookie>();
        services.AddSingleton<ConnectionStarter>();
        services.AddSingleton<OAuthCallbackHandler>();
        services.AddSingleton<PendingConnectionStore>();
        services.AddSingleton<ConnectionActivator>();
        services.AddSingleton<ConnectionCompleter>();
        services.AddSingleton<GrantRevoker>();
        services.AddSingleton<SecretProbe>();
        services.AddSingleton<SecretSubmitter>();
        services.AddSingleton<SecretValidator>();
        services.AddHostedService<CompletionModeWarning>();
        return services;
    }
}
