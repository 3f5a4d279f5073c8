using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.OAuthConnect;

/// <summary>Says at start-up, once, that <see cref="CompletionMode.Callback"/> gives up the protection against linking another person's account.</summary>
internal sealed partial class CompletionModeWarning(IOptions<ConnectOptions> options, ILogger<CompletionModeWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Completion == CompletionMode.Callback)
        {
            LogCallbackCompletion(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3130, Level = LogLevel.Warning, Message = "Connect:Completion is Callback: the OAuth callback activates connections without their user " +
        "completing them, so an authorization link started for one user and opened by another links the second person's account to the first user. " +
        "Use it only where starting and consenting always happen inside one first-party app session")]
    private static partial void LogCallbackCompletion(ILogger logger);
}
