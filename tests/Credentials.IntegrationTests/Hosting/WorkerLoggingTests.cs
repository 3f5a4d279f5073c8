using Credentials.Functions.Hosting.Composition;
using Credentials.Tests.Support;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Credentials.Tests.Hosting;

/// <summary>
/// The composition the real Functions worker runs (Program.cs), built but not started: its logging pipeline drops the
/// categories that would write the OAuth callback's code and state, or the completion code, in a URL.
/// </summary>
public sealed class WorkerLoggingTests
{
    private static readonly Action<ILogger, string, Exception?> LogWithUrl =
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(1), "Request to {Url}");

    private static readonly Action<ILogger, Exception?> LogAuthorized =
        LoggerMessage.Define(LogLevel.Information, new EventId(2), "Connection to provider sandbox authorized");

    [Fact]
    public void The_worker_composition_writes_no_request_line_or_redirect_url_but_keeps_the_apps_own_lines()
    {
        var logs = new CapturedLogs();
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(RunningDevHost.BaselineSettings());
        builder.ConfigureFunctionsWebApplication();
        builder.AddCredentialsFunctionsApp();
        builder.Services.AddSingleton<ILoggerProvider>(logs);
        using var host = builder.Build();
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();
        const string Secret = "code=SECRET-CODE&state=SECRET-STATE&completion=SECRET-COMPLETION";

        LogWithUrl(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics"), "/api/oauth/callback/sandbox?" + Secret, null);
        LogWithUrl(loggers.CreateLogger("Microsoft.AspNetCore.Mvc.Infrastructure.RedirectResultExecutor"), "https://app.example.com/?" + Secret, null);
        LogAuthorized(loggers.CreateLogger("Credentials.Functions.OAuthConnect.OAuthCallbackHandler"), null);

        Assert.DoesNotContain(logs.Messages, m => m.Contains("SECRET", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("authorized", StringComparison.Ordinal));
    }
}
