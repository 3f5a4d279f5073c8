using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Maintenance;

internal static class MaintenanceServiceCollectionExtensions
{
    /// <summary>The maintenance walk behind the timer function.</summary>
    public static IServiceCollection AddMaintenance(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<MaintenanceOptions, MaintenanceOptionsValidator>(configuration, MaintenanceOptions.SectionName);
        services.AddMetrics();
        services.AddSingleton<MaintenanceMetrics>();
        services.AddSingleton<MaintenanceCursor>();
        services.AddSingleton<ExpiryNotices>();
        services.AddSingleton<MaintenanceRunner>();
        services.AddSingleton<MaintenanceBacklog>();
        services.AddSingleton<MaintenancePlanner>();
        return services;
    }
}
