using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Credentials.WorkerHost;

/// <summary>
/// A minimal Azure Functions host for local runs and tests, where the real host cannot be installed: it starts the
/// built app as a worker process, speaks the host's side of the gRPC event stream to it, serves its HTTP functions by
/// forwarding to the worker's own server, and invokes its timer functions. The app runs exactly as deployed (its
/// Program.cs, the worker's middleware and ASP.NET Core integration); only the host around it is this one.
/// </summary>
public sealed partial class WorkerHostApplication : IAsyncDisposable
{
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(10);

    private readonly WebApplication _rpc;
    private readonly WebApplication _web;
    private readonly WorkerChannel _channel;
    private readonly WorkerProcess _process;
    private readonly TimerTriggers _timers;

    private WorkerHostApplication(WebApplication rpc, WebApplication web, WorkerChannel channel, WorkerProcess process, TimerTriggers timers, WorkerReady ready, Uri baseAddress)
    {
        _rpc = rpc;
        _web = web;
        _channel = channel;
        _process = process;
        _timers = timers;
        Worker = ready;
        BaseAddress = baseAddress;
    }

    /// <summary>Where this host answers HTTP.</summary>
    public Uri BaseAddress { get; }

    /// <summary>What the worker reported: its HTTP server and its functions.</summary>
    public WorkerReady Worker { get; }

    public int WorkerProcessId => _process.Id;

    /// <summary>Runs a timer function now, with a TimerInfo payload, and waits for the worker's response.</summary>
    public Task InvokeTimerAsync(string functionName, bool isPastDue = false, CancellationToken cancellationToken = default) =>
        _timers.InvokeAsync(functionName, isPastDue, last: null, cancellationToken);

    public static async Task<WorkerHostApplication> StartAsync(WorkerHostSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var app = AppDirectory.Read(settings.AppDirectory);
        var appSettings = AppSettings.Combine(settings.LocalSettingsPath, settings.Settings);
        var workerId = Guid.NewGuid().ToString();

        // 1. The host's gRPC server, cleartext HTTP/2 on a loopback port that is ours from the start.
        var rpcSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        rpcSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        rpcSocket.Listen(16);
        var grpcUri = new Uri($"http://127.0.0.1:{((IPEndPoint)rpcSocket.LocalEndPoint!).Port}/");
        var rpcBuilder = WebApplication.CreateSlimBuilder();
        QuietFrameworkLogs(rpcBuilder);
        rpcBuilder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenHandle(Adopt(rpcSocket), listen => listen.Protocols = HttpProtocols.Http2));
        rpcBuilder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        rpcBuilder.Services.AddSingleton(services => new WorkerChannel(workerId, app, settings.WorkerOutput, services.GetRequiredService<ILogger<WorkerChannel>>()));
        var rpc = rpcBuilder.Build();
        rpc.MapGrpcService<FunctionRpcService>();
        await rpc.StartAsync(cancellationToken);
        var channel = rpc.Services.GetRequiredService<WorkerChannel>();
        var logger = rpc.Services.GetRequiredService<ILogger<WorkerHostApplication>>();

        // 2. The worker, started as the host starts it, and its start-up exchange.
        var process = WorkerProcess.Start(app, grpcUri, workerId, appSettings, settings.WorkerOutput, logger);
        WorkerReady ready;
        try
        {
            ready = await WaitForWorkerAsync(channel, process, settings.StartTimeout, cancellationToken);
        }
        catch
        {
            await process.DisposeAsync();
            await rpc.DisposeAsync();
            throw;
        }

        // 3. The public side: the worker's HTTP functions under the host's routes, and its timers.
        var timers = new TimerTriggers(channel, ready.Functions, appSettings, TimeProvider.System);
        var webBuilder = WebApplication.CreateSlimBuilder();
        QuietFrameworkLogs(webBuilder);
        Uri? baseAddress = null;
        if (settings.ListenSocket is { } socket)
        {
            baseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}");
            webBuilder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenHandle(Adopt(socket)));
        }
        else
        {
            webBuilder.WebHost.UseUrls(settings.Url ?? $"http://127.0.0.1:{WorkerHostSettings.DefaultPort}");
        }

        webBuilder.Services.AddHttpForwarder();
        webBuilder.Services.AddSingleton(timers);
        if (settings.RunTimers)
        {
            webBuilder.Services.AddSingleton(TimeProvider.System);
            webBuilder.Services.AddHostedService<TimerScheduler>();
        }

        if (settings.RunQueueTriggers && ready.Functions.Any(f => f.IsQueue))
        {
            var queueSettings = settings.QueueTriggers ?? QueueTriggerSettings.FromHostJson(System.IO.Path.Combine(app.Path, "host.json"));
            webBuilder.Services.AddHostedService(services =>
                new QueueListener(channel, ready.Functions, appSettings, queueSettings, services.GetRequiredService<ILogger<QueueListener>>()));
        }

        var web = webBuilder.Build();
        web.UseRouting();
        HttpTriggerEndpoints.Map(web, ready, channel, app.RoutePrefix);
        await web.StartAsync(cancellationToken);
        baseAddress ??= new Uri(web.Urls.First());
        var httpFunctions = ready.Functions.Count(f => f.IsHttp);
        var timerFunctions = ready.Functions.Count(f => f.IsTimer);
        LogListening(logger, baseAddress, httpFunctions, timerFunctions);
        return new WorkerHostApplication(rpc, web, channel, process, timers, ready, baseAddress);
    }

    /// <summary>Stops the worker as the host does (WorkerTerminate, then the process is ended after a grace period), then both servers.</summary>
    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync();
        _channel.Terminate(TerminateGrace);
        await _process.StopAsync(TerminateGrace);
        await _process.DisposeAsync();
        await _rpc.StopAsync();
        await _web.DisposeAsync();
        await _rpc.DisposeAsync();
    }

    /// <summary>Runs until the worker exits or the host is asked to stop (the token, or SIGTERM/Ctrl-C through either server's lifetime).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken,
            _web.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping,
            _rpc.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        try
        {
            await _process.Exited.WaitAsync(stopping.Token);
            LogWorkerGone(_rpc.Services.GetRequiredService<ILogger<WorkerHostApplication>>(), _process.Id);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private static async Task<WorkerReady> WaitForWorkerAsync(WorkerChannel channel, WorkerProcess process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var exited = process.Exited;
        Task first;
        try
        {
            first = await Task.WhenAny(channel.Ready, exited).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"The worker did not start within {timeout.TotalSeconds:0} s. Its last output:\n{process.RecentOutput}");
        }

        if (first == exited)
        {
            throw new InvalidOperationException($"The worker exited during start-up. Its last output:\n{process.RecentOutput}");
        }

        WorkerReady ready;
        try
        {
            ready = await channel.Ready;
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException($"{exception.Message} The worker's last output:\n{process.RecentOutput}", exception);
        }

        // The worker's Kestrel may start a moment after its gRPC client: wait until it accepts connections (the host's
        // forwarding retries refused connections for the same reason, RetryProxyHandler).
        await WaitForListenerAsync(ready.HttpUri, timeout, cancellationToken);
        return ready;
    }

    private static async Task WaitForListenerAsync(Uri uri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(uri.Host, uri.Port, cancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    /// <summary>Kestrel adopts the descriptor; the Socket object gives it up so that it is not closed twice.</summary>
    private static ulong Adopt(Socket socket)
    {
        var handle = (ulong)socket.Handle;
        socket.SafeHandle.SetHandleAsInvalid();
        return handle;
    }

    /// <summary>The framework's per-request lines would write request URLs, OAuth codes and states among them: warnings only.</summary>
    private static void QuietFrameworkLogs(WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
    }

    [LoggerMessage(EventId = 9240, Level = LogLevel.Information, Message = "Worker host listening on {BaseAddress}: {HttpFunctions} HTTP functions, {TimerFunctions} timer functions")]
    private static partial void LogListening(ILogger logger, Uri baseAddress, int httpFunctions, int timerFunctions);

    [LoggerMessage(EventId = 9241, Level = LogLevel.Error, Message = "Worker process {ProcessId} exited; the host stops")]
    private static partial void LogWorkerGone(ILogger logger, int processId);
}
