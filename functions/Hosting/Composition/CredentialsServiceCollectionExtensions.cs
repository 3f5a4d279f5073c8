using Credentials.Functions.Api;
using Credentials.Functions.Foundation.Configuration;
using Credentials.Functions.Foundation.Outbound;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Hosting.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Credentials.Functions.Hosting.Composition;

/// <summary>
/// The one composition of the service. The Functions worker and the dev host both call it, so both run the same graph.
/// </summary>
public static class CredentialsServiceCollectionExtensions
{
    public static IServiceCollection AddCredentialsService(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.TryAddSingleton(TimeProvider.System);

        services.AddValidatedOptions<ServiceOptions, ServiceOptionsValidator>(configuration, ServiceOptions.SectionName);
        services.AddValidatedOptions<OutboundOptions, OutboundOptionsValidator>(configuration, OutboundOptions.SectionName);
        services.AddSingleton<OutboundConnector>();

        services.AddSingleton(FunctionCatalog.ForAssembly(typeof(CredentialsServiceCollectionExtensions).Assembly));
        services.AddSingleton<HttpInvocationGuard>();
        services.AddSingleton<CallerAdmission>();
        services.AddSingleton<TokenExchangeHandler>();
        services.AddSingleton<NarrowedResourceGate>();
        services.AddSingleton<AllowedMethodsResolver>();

        services.AddStorage(configuration);
        services.AddAccessControl(configuration);
        services.AddOAuthConnect(configuration);
        services.AddRefresh(configuration);
        services.AddMaintenance(configuration);
        services.AddProxy(configuration);
        services.AddCredentialsTelemetry(configuration);
        services.AddLogging(logging => logging.KeepSecretUrlsOutOfLogs().KeepLogsToWhatMatters(configuration));
        return services;
    }
}
