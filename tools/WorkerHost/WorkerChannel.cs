using System.Collections.Concurrent;
using System.Threading.Channels;
using Credentials.WorkerHost.Rpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcException = Grpc.Core.RpcException;

namespace Credentials.WorkerHost;

/// <summary>What the worker told the host during start-up: where its HTTP server listens and which functions it loaded.</summary>
public sealed record WorkerReady(Uri HttpUri, IReadOnlyList<WorkerFunction> Functions, IReadOnlyDictionary<string, string> Capabilities);

/// <summary>
/// The host's end of the worker's one gRPC event stream (Azure/azure-functions-host, GrpcWorkerChannel): the start-up
/// exchange in the host's order, then invocations matched to their responses by invocation id. One writer sends every
/// message in order; one reader dispatches what the worker sends.
/// </summary>
internal sealed partial class WorkerChannel(string workerId, AppDirectory app, Action<string>? output, ILogger<WorkerChannel> logger)
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<StreamingMessage> _control = Channel.CreateUnbounded<StreamingMessage>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResponse>> _invocations = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<WorkerReady> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connected;

    public Task<WorkerReady> Ready => _ready.Task;

    /// <summary>Serves the stream the worker opened (FunctionRpc.EventStream) until either side ends it.</summary>
    public async Task RunStreamAsync(IAsyncStreamReader<StreamingMessage> input, IServerStreamWriter<StreamingMessage> writer, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _connected, 1) == 1)
        {
            // The host does not advertise MultiStream, so a second stream is a worker this host did not start.
            throw new GrpcException(new Status(StatusCode.AlreadyExists, "This host serves one worker stream."));
        }

        var writing = WriteAllAsync(writer, cancellationToken);
        var reading = ReadAllAsync(input, cancellationToken);
        try
        {
            _ready.TrySetResult(await StartUpAsync(cancellationToken));
        }
#pragma warning disable CA1031 // Whatever stopped the start-up is handed to whoever waits for the worker.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _ready.TrySetException(exception);
        }

        await reading;
        _outbound.Writer.TryComplete();
        await writing;
    }

    /// <summary>Sends an invocation and waits for the worker's response to it.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _invocations[request.InvocationId] = response;
        try
        {
            Send(new StreamingMessage { InvocationRequest = request });
            return await response.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _invocations.TryRemove(request.InvocationId, out _);
        }
    }

    /// <summary>Asks the worker to stop (WorkerTerminate); it stops its host and exits.</summary>
    public void Terminate(TimeSpan gracePeriod) =>
        _outbound.Writer.TryWrite(new StreamingMessage { RequestId = NewId(), WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } });

    private void Send(StreamingMessage message)
    {
        if (string.IsNullOrEmpty(message.RequestId))
        {
            message.RequestId = NewId();
        }

        if (!_outbound.Writer.TryWrite(message))
        {
            throw new InvalidOperationException("The worker's stream is closed.");
        }
    }

    private async Task<StreamingMessage> NextAsync(StreamingMessage.ContentOneofCase expected, CancellationToken cancellationToken)
    {
        while (await _control.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_control.Reader.TryRead(out var message))
            {
                if (message.ContentCase == expected)
                {
                    return message;
                }

                LogUnexpected(logger, message.ContentCase, expected);
            }
        }

        throw new InvalidOperationException($"The worker closed its stream before sending {expected}.");
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> writer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken))
            {
                await writer.WriteAsync(message, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReadAllAsync(IAsyncStreamReader<StreamingMessage> input, CancellationToken cancellationToken)
    {
        try
        {
            while (await input.MoveNext(cancellationToken))
            {
                var message = input.Current;
                switch (message.ContentCase)
                {
                    case StreamingMessage.ContentOneofCase.RpcLog:
                        WriteLog(message.RpcLog);
                        break;
                    case StreamingMessage.ContentOneofCase.InvocationResponse:
                        if (_invocations.TryGetValue(message.InvocationResponse.InvocationId, out var waiting))
                        {
                            waiting.TrySetResult(message.InvocationResponse);
                        }

                        break;
                    default:
                        _control.Writer.TryWrite(message);
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException || (exception is IOException or GrpcException && cancellationToken.IsCancellationRequested))
        {
        }
        finally
        {
            _control.Writer.TryComplete();
            var closed = new InvalidOperationException("The worker's stream closed.");
            _ready.TrySetException(closed);
            foreach (var waiting in _invocations.Values)
            {
                waiting.TrySetException(closed);
            }
        }
    }

    /// <summary>The worker's logs, sent over the stream as RpcLog (the host writes them to its own log).</summary>
    private void WriteLog(RpcLog log)
    {
        var line = $"rpc-log {log.Level} {log.Category}: {log.Message}" + (log.Exception is { } exception ? $" {exception.Type}: {exception.Message}" : string.Empty);
        output?.Invoke(line);
        LogWorkerLog(logger, log.Level, log.Category, log.Message);
    }

    private static string NewId() => Guid.NewGuid().ToString();

    [LoggerMessage(EventId = 9202, Level = LogLevel.Debug, Message = "Worker sent {Received} while the host waited for {Expected}; ignored")]
    private static partial void LogUnexpected(ILogger logger, StreamingMessage.ContentOneofCase received, StreamingMessage.ContentOneofCase expected);

    [LoggerMessage(EventId = 9203, Level = LogLevel.Debug, Message = "Worker log {Level} {Category}: {Message}")]
    private static partial void LogWorkerLog(ILogger logger, RpcLog.Types.Level level, string category, string message);
}
