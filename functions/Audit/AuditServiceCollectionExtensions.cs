using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Audit;

internal static class AuditServiceCollectionExtensions
{
    /// <summary>The audit buffer every module writes to and the background writer that stores it.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AuditOptions, AuditOptionsValidator>(configuration, AuditOptions.SectionName);
        services.AddSingleton<AuditBuffer>();
        services.AddSingleton<AuditLog>();
        services.AddHostedService<AuditWriter>();
        return services;
    }
}
