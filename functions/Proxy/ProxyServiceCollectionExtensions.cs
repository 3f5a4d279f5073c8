using System.Diagnostics;
using System.Net;
using Credentials.Functions.Foundation.Configuration;
using Credentials.Functions.Foundation.Outbound;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Proxy;

internal static class ProxyServiceCollectionExtensions
{
    /// <summary>The provider API proxy and its outbound client.</summary>
    public static IServiceCollection AddProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ProxyOptions, ProxyOptionsValidator>(configuration, ProxyOptions.SectionName);
        // No redirects (each is checked against the API's base URL), no cookies, bodies passed on as they were encoded;
        // each call sets its own deadline (Proxy:Timeout). Connections only to addresses OutboundConnector allows, never
        // through an environment proxy (the check must see the address it connects to).
        services.AddHttpClient(ProviderApiProxy.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                ConnectCallback = provider.GetRequiredService<OutboundConnector>().ConnectAsync,
                UseProxy = false,
                AllowAutoRedirect = false,
                // The service's trace context is its own business, not the third party's.
                ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        services.AddSingleton<ProviderApiProxy>();
        return services;
    }
}
