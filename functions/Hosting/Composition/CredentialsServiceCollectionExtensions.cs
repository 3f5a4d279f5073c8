using Credentials.Functions.AccessControl;
using Credentials.Functions.Api;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Functions.Disconnect;
using Credentials.Functions.Events;
using Credentials.Functions.Foundation.Configuration;
using Credentials.Functions.Foundation.Outbound;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Hosting.Pipeline;
using Credentials.Functions.Import;
using Credentials.Functions.Maintenance;
using Credentials.Functions.OAuthConnect;
using Credentials.Functions.Providers;
using Credentials.Functions.Proxy;
using Credentials.Functions.Refresh;
using Credentials.Functions.SecretConnect;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Hosting.Composition;

/// <summary>
/// The one composition of the service. The Functions worker and the dev host both call it, so both run the same graph.
/// Each module registers itself; this only calls them, bottom layer first (the order of docs/architecture.md's allowed
/// edges), which is also the order the hosted services start in.
/// </summary>
public static class CredentialsServiceCollectionExtensions
{
    public static IServiceCollection AddCredentialsService(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddServiceConfiguration(configuration);
        services.AddCredentialsTelemetry(configuration);
        services.AddOutbound(configuration);
        services.AddStorage(configuration);
        services.AddCrypto(configuration);
        services.AddAudit(configuration);
        services.AddProviders(configuration);
        services.AddConnectionRecords();
        services.AddEvents();
        services.AddAccessControl(configuration);
        services.AddRefresh(configuration);
        services.AddProxy(configuration);
        services.AddDisconnect();
        services.AddOAuthConnect(configuration);
        services.AddImport();
        services.AddSecretConnect();
        services.AddMaintenance(configuration);
        services.AddApi();
        services.AddHttpPipeline();
        return services;
    }
}
