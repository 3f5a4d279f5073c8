using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Foundation.Telemetry;

/// <summary>
/// Levels that keep a busy instance's log (Application Insights ingestion, billed per GB) to what someone acts on. The
/// Azure SDK logs every request and response with headers at Information, and HttpClientFactory two lines per outbound
/// call: at scale that is kilobytes per token read. Each default applies only where configuration sets no level for that
/// category (e.g. <c>Logging__LogLevel__Azure=Information</c> to see SDK traffic again).
/// </summary>
internal static class ProductionLogFilters
{
    private static readonly string[] ChattyCategories =
    [
        "Azure",
        "System.Net.Http.HttpClient",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Mvc",
    ];

    public static ILoggingBuilder KeepLogsToWhatMatters(this ILoggingBuilder logging, IConfiguration configuration)
    {
        foreach (var category in ChattyCategories)
        {
            if (configuration[$"Logging:LogLevel:{category}"] is null)
            {
                logging.AddFilter(category, LogLevel.Warning);
            }
        }

        return logging;
    }
}
