using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Foundation.Telemetry;

internal static class TelemetryServiceCollectionExtensions
{
    private const string AzureMonitorConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Traces and metrics (exported only where Application Insights is configured), and the log filters.</summary>
    public static IServiceCollection AddCredentialsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ServiceMetrics>();
        services.AddLogging(logging => logging.KeepSecretUrlsOutOfLogs().KeepLogsToWhatMatters(configuration));
        var openTelemetry = services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(CredentialsTelemetry.SourceName))
            .WithMetrics(metrics => metrics.AddMeter(CredentialsTelemetry.MeterName));

        // Export only where a destination is configured; locally and in tests telemetry stays in process.
        if (configuration[AzureMonitorConnectionStringSetting] is { Length: > 0 } connectionString)
        {
            openTelemetry.UseAzureMonitorExporter(exporter =>
            {
                exporter.ConnectionString = connectionString;
                // Application Insights has local (key) auth disabled: ingestion authenticates with the managed identity.
                exporter.Credential = new DefaultAzureCredential();
            });
        }

        return services;
    }
}
