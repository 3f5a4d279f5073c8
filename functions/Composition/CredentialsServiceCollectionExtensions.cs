using Credentials.Functions.Configuration;
using Credentials.Functions.Http.Pipeline;
using Credentials.Functions.Http.Routing;
using Credentials.Functions.Observability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Composition;

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

        services.AddOptions<ServiceOptions>()
            .Bind(configuration.GetSection(ServiceOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServiceOptions>, ServiceOptionsValidator>();

        services.AddSingleton(FunctionCatalog.ForAssembly(typeof(CredentialsServiceCollectionExtensions).Assembly));
        services.AddSingleton<HttpInvocationGuard>();
        services.AddSingleton<AllowedMethodsResolver>();

        services.AddCredentialStorage(configuration);
        services.AddAccessControl(configuration);
        services.AddProvidersAndConnect(configuration);
        services.AddAccessTokens(configuration);
        services.AddMaintenance(configuration);
        services.AddCredentialsTelemetry(configuration);
        services.AddLogging(logging => logging.KeepSecretUrlsOutOfLogs().KeepLogsToWhatMatters(configuration));
        return services;
    }
}
