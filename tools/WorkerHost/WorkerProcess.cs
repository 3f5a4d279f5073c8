using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Credentials.WorkerHost;

/// <summary>
/// The worker as the host starts it (Azure/azure-functions-host, RpcWorkerProcess and RpcWorkerContext): the executable
/// and assembly from worker.config.json, run in the app's folder, with the host's arguments and environment.
/// </summary>
internal sealed partial class WorkerProcess : IAsyncDisposable
{
    // The host passes int.MaxValue (its default gRPC max message length).
    private const int MaxMessageLength = int.MaxValue;
    private const int KeptLines = 60;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _recent = new();
    private readonly ILogger _logger;

    private WorkerProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
    }

    public Task Exited => _process.WaitForExitAsync();

    public int Id => _process.Id;

    /// <summary>The last lines the worker wrote, for a start-up failure's message.</summary>
    public string RecentOutput => string.Join('\n', _recent);

    public static WorkerProcess Start(AppDirectory app, Uri grpcUri, string workerId, IReadOnlyDictionary<string, string?> appSettings, Action<string>? output, ILogger logger)
    {
        var requestId = Guid.NewGuid().ToString();
        var length = MaxMessageLength.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(app.Executable)
        {
            WorkingDirectory = app.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // RpcWorkerContext.GetFormattedArguments: the older switches first, then the --functions-* ones the .NET worker reads.
        start.ArgumentList.Add(app.WorkerPath);
        foreach (var argument in new[]
        {
            "--host", grpcUri.Host, "--port", grpcUri.Port.ToString(CultureInfo.InvariantCulture), "--workerId", workerId, "--requestId", requestId,
            "--grpcMaxMessageLength", length, "--functions-uri", grpcUri.AbsoluteUri, "--functions-worker-id", workerId,
            "--functions-request-id", requestId, "--functions-grpc-max-message-length", length,
        })
        {
            start.ArgumentList.Add(argument);
        }

        // App settings reach the worker as environment variables, as on Azure and under Core Tools; the host adds the two
        // directories (the worker's endpoint data source reads host.json from FUNCTIONS_APPLICATION_DIRECTORY, and its
        // function load resolves script files against it, falling back to FUNCTIONS_WORKER_DIRECTORY).
        foreach (var (name, value) in appSettings)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = app.Path;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = app.Path;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, logger);
        process.OutputDataReceived += (_, line) => worker.Received(line.Data, output);
        process.ErrorDataReceived += (_, line) => worker.Received(line.Data, output);
        if (!process.Start())
        {
            throw new InvalidOperationException($"The worker ({app.Executable} {app.WorkerPath}) did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        LogStarted(logger, process.Id, workerId, app.Path);
        return worker;
    }

    private void Received(string? line, Action<string>? output)
    {
        if (line is null)
        {
            return;
        }

        _recent.Enqueue(line);
        while (_recent.Count > KeptLines && _recent.TryDequeue(out _))
        {
        }

        output?.Invoke(line);
    }

    /// <summary>Waits for the worker to exit after WorkerTerminate, and ends it if it does not within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        LogExited(_logger, _process.Id, _process.ExitCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [LoggerMessage(EventId = 9210, Level = LogLevel.Information, Message = "Worker process {ProcessId} started (worker id {WorkerId}) in {AppDirectory}")]
    private static partial void LogStarted(ILogger logger, int processId, string workerId, string appDirectory);

    [LoggerMessage(EventId = 9211, Level = LogLevel.Information, Message = "Worker process {ProcessId} exited with code {ExitCode}")]
    private static partial void LogExited(ILogger logger, int processId, int exitCode);
}
