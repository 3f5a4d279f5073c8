using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Reflection;
using Credentials.WorkerHost;

namespace Credentials.Tests.Support;

/// <summary>
/// The built app (functions/bin/&lt;Configuration&gt;/net10.0) as a real worker process under the test Functions host
/// (tools/WorkerHost), with an HttpClient pointed at the host and every line the worker wrote or logged over the stream.
/// </summary>
internal sealed class RunningWorkerHost : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output;

    private RunningWorkerHost(WorkerHostApplication host, ConcurrentQueue<string> output)
    {
        Host = host;
        _output = output;
        Client = new HttpClient { BaseAddress = host.BaseAddress };
    }

    public WorkerHostApplication Host { get; }

    public HttpClient Client { get; }

    /// <summary>The worker process's stdout and stderr and its RpcLog messages, in arrival order.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>The folder of the built Functions app, as a host finds it.</summary>
    public static string AppDirectory
    {
        get
        {
            var configuration = typeof(RunningWorkerHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;
            return Path.Combine(RepositoryPaths.Root, "functions", "bin", configuration, "net10.0");
        }
    }

    public static async Task<RunningWorkerHost> StartAsync(IReadOnlyDictionary<string, string?> settings, Socket listener, bool runTimers = false)
    {
        var output = new ConcurrentQueue<string>();
        var host = await WorkerHostApplication.StartAsync(new WorkerHostSettings
        {
            AppDirectory = AppDirectory,
            ListenSocket = listener,
            Settings = settings,
            RunTimers = runTimers,
            // host.json's retry rules, with a quick retry and polling so that tests need not wait.
            QueueTriggers = QueueTriggerSettings.FromHostJson(Path.Combine(AppDirectory, "host.json")) with
            {
                VisibilityTimeout = TimeSpan.FromMilliseconds(200),
                MaxPollingInterval = TimeSpan.FromSeconds(1),
                Lease = TimeSpan.FromSeconds(20),
            },
            WorkerOutput = output.Enqueue,
        });
        return new RunningWorkerHost(host, output);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
    }
}
