using System.Globalization;
using System.Net.Sockets;

namespace Credentials.WorkerHost;

/// <summary>How one worker host is started: by <c>run.sh --worker</c> from the command line, or by tests in code.</summary>
public sealed class WorkerHostSettings
{
    public const int DefaultPort = 7071;

    /// <summary>
    /// The built app, as the host finds it in its script root: <c>worker.config.json</c>, <c>host.json</c>,
    /// <c>functions.metadata</c> and the app's assembly (e.g. <c>functions/bin/Release/net10.0</c>).
    /// </summary>
    public required string AppDirectory { get; init; }

    /// <summary>Path of a Functions-style <c>local.settings.json</c> whose <c>Values</c> become the worker's environment; null: none.</summary>
    public string? LocalSettingsPath { get; init; }

    /// <summary>Where the host answers HTTP, when <see cref="ListenSocket"/> is not given; defaults to loopback on 7071.</summary>
    public string? Url { get; init; }

    /// <summary>A socket already bound and listening, served in place of <see cref="Url"/> (tests know the port up front). The host takes it over.</summary>
    public Socket? ListenSocket { get; init; }

    /// <summary>
    /// App settings, applied after <c>local.settings.json</c>: the host hands them to the worker as environment variables
    /// (<c>A:B</c> becomes <c>A__B</c>, as in Azure app settings) and resolves <c>%Name%</c> in timer schedules from them.
    /// A null value removes the setting.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Whether timer functions run on their schedules (tests invoke them on demand instead).</summary>
    public bool RunTimers { get; init; } = true;

    /// <summary>Whether queue-triggered functions take messages from their queues.</summary>
    public bool RunQueueTriggers { get; init; } = true;

    /// <summary>How queue triggers run; null: as the app's host.json says.</summary>
    public QueueTriggerSettings? QueueTriggers { get; init; }

    /// <summary>Receives every line the worker writes to stdout or stderr and every log it sends over the event stream.</summary>
    public Action<string>? WorkerOutput { get; init; }

    /// <summary>How long the worker has to start, connect, report its functions and load them.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    public static WorkerHostSettings FromCommandLine(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? appDirectory = null;
        string? settingsPath = null;
        string? url = null;
        for (var i = 0; i < args.Length - 1; i++)
        {
            switch (args[i])
            {
                case "--app":
                    appDirectory = args[++i];
                    break;
                case "--local-settings":
                    settingsPath = args[++i];
                    break;
                case "--urls":
                    url = args[++i];
                    break;
            }
        }

        return new WorkerHostSettings
        {
            AppDirectory = appDirectory ?? throw new ArgumentException("--app <directory of the built Functions app> is required.", nameof(args)),
            LocalSettingsPath = settingsPath,
            Url = url ?? $"http://127.0.0.1:{Environment.GetEnvironmentVariable("PORT") ?? DefaultPort.ToString(CultureInfo.InvariantCulture)}",
            WorkerOutput = Console.WriteLine,
        };
    }
}
