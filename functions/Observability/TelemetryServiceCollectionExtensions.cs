using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Credentials.Functions.Observability;

internal static class TelemetryServiceCollectionExtensions
{
    private const string AzureMonitorConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static IServiceCollection AddCredentialsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var openTelemetry = services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(CredentialsTelemetry.SourceName))
            .WithMetrics(metrics => metrics.AddMeter(CredentialsTelemetry.MeterName));

        // Export only where a destination is configured; locally and in tests telemetry stays in process.
        if (!string.IsNullOrWhiteSpace(configuration[AzureMonitorConnectionStringSetting]))
        {
            openTelemetry.UseAzureMonitorExporter();
        }

        return services;
    }
}
