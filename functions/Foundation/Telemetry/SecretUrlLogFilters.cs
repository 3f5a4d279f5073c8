using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Foundation.Telemetry;

/// <summary>
/// Log categories that would write request URLs whose query strings are secrets: the OAuth callback's <c>code</c> and
/// <c>state</c>, and the completion code in its redirect. Both the Functions worker (whose ASP.NET Core integration runs
/// Kestrel in the worker process) and the dev host compose the service through this, so neither writes them.
/// </summary>
internal static class SecretUrlLogFilters
{
    /// <summary>Kestrel's "Request starting GET …?code=…&amp;state=…" and "Request finished" lines.</summary>
    public const string RequestLines = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>MVC's result executors, e.g. "Executing RedirectResult, redirecting to …".</summary>
    public const string ResultExecutors = "Microsoft.AspNetCore.Mvc.Infrastructure";

    public static ILoggingBuilder KeepSecretUrlsOutOfLogs(this ILoggingBuilder logging) => logging
        .AddFilter(RequestLines, LogLevel.Warning)
        .AddFilter(ResultExecutors, LogLevel.Warning);
}
