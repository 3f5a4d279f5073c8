using System.Text.Json;

namespace Credentials.WorkerHost;

/// <summary>
/// What the host reads from the app's folder before it starts a worker: how to start it (<c>worker.config.json</c>, as
/// the host's worker configuration does) and the HTTP route prefix (<c>host.json</c> <c>extensions.http.routePrefix</c>,
/// "api" when absent).
/// </summary>
public sealed class AppDirectory
{
    private const string DefaultRoutePrefix = "api";

    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private AppDirectory(string path, string executable, string workerPath, string routePrefix)
    {
        Path = path;
        Executable = executable;
        WorkerPath = workerPath;
        RoutePrefix = routePrefix;
    }

    public string Path { get; }

    /// <summary><c>description.defaultExecutablePath</c>: <c>dotnet</c> for an isolated worker.</summary>
    public string Executable { get; }

    /// <summary><c>description.defaultWorkerPath</c>: the app's assembly, relative to the folder.</summary>
    public string WorkerPath { get; }

    public string RoutePrefix { get; }

    public static AppDirectory Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        var workerConfig = System.IO.Path.Combine(full, "worker.config.json");
        if (!File.Exists(workerConfig))
        {
            throw new FileNotFoundException($"No worker.config.json in {full}: build the Functions app first (dotnet build functions/).", workerConfig);
        }

        using var config = JsonDocument.Parse(File.ReadAllText(workerConfig), Lenient);
        var description = config.RootElement.GetProperty("description");
        var executable = description.TryGetProperty("defaultExecutablePath", out var exe) ? exe.GetString() ?? "dotnet" : "dotnet";
        var workerPath = description.GetProperty("defaultWorkerPath").GetString()
            ?? throw new InvalidOperationException($"{workerConfig} names no defaultWorkerPath.");

        var routePrefix = DefaultRoutePrefix;
        var hostJson = System.IO.Path.Combine(full, "host.json");
        if (File.Exists(hostJson))
        {
            using var host = JsonDocument.Parse(File.ReadAllText(hostJson), Lenient);
            if (host.RootElement.TryGetProperty("extensions", out var extensions)
                && extensions.TryGetProperty("http", out var http)
                && http.TryGetProperty("routePrefix", out var prefix)
                && prefix.ValueKind == JsonValueKind.String)
            {
                routePrefix = prefix.GetString()!.Trim('/');
            }
        }

        return new AppDirectory(full, executable, workerPath, routePrefix);
    }
}
