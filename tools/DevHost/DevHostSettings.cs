using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.DevHost;

/// <summary>How one dev host instance is started: by the run script from the command line, or by tests in code.</summary>
public sealed class DevHostSettings
{
    public const int DefaultPort = 7071;

    /// <summary>Path of the Functions-style <c>local.settings.json</c>; a missing file is fine (environment variables still apply).</summary>
    public string LocalSettingsPath { get; init; } = "local.settings.json";

    /// <summary>Kestrel URL; defaults to loopback on <c>PORT</c> (7071, as <c>func start</c>).</summary>
    public string? Url { get; init; }

    /// <summary>
    /// A socket already bound and listening, served in place of <see cref="Url"/>. Tests use it to know the host's port
    /// before it starts without racing other processes for a "free" one. The host takes ownership of it.
    /// </summary>
    public System.Net.Sockets.Socket? ListenSocket { get; init; }

    /// <summary>Settings applied after every other source (tests use this in place of environment variables).</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>Further assemblies whose <c>[Function]</c> methods are served too (tests add probe functions this way).</summary>
    public IReadOnlyList<Assembly> AdditionalFunctionAssemblies { get; init; } = [];

    /// <summary>Runs after the app's composition, for tests that must reach a local endpoint (e.g. trust a test certificate).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Whether timer functions run on their schedules.</summary>
    public bool RunTimers { get; init; } = true;

    /// <summary>Whether queue-triggered functions take messages from their queues.</summary>
    public bool RunQueueTriggers { get; init; } = true;

    /// <summary>How queue triggers run; null: as the app's host.json says.</summary>
    public QueueTriggerSettings? QueueTriggers { get; init; }

    public static DevHostSettings FromCommandLine(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? settingsPath = null;
        string? url = null;
        for (var i = 0; i < args.Length - 1; i++)
        {
            switch (args[i])
            {
                case "--local-settings":
                    settingsPath = args[++i];
                    break;
                case "--urls":
                    url = args[++i];
                    break;
            }
        }

        return new DevHostSettings
        {
            LocalSettingsPath = settingsPath ?? "local.settings.json",
            Url = url ?? $"http://127.0.0.1:{Environment.GetEnvironmentVariable("PORT") ?? DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        };
    }
}
