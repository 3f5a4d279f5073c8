using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Foundation.Outbound;

internal static class OutboundServiceCollectionExtensions
{
    /// <summary>The address policy every client that reaches a third party connects through.</summary>
    public static IServiceCollection AddOutbound(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<OutboundOptions, OutboundOptionsValidator>(configuration, OutboundOptions.SectionName);
        services.AddSingleton<OutboundConnector>();
        return services;
    }
}
