using Credentials.WorkerHost.Rpc;
using Grpc.Core;

namespace Credentials.WorkerHost;

/// <summary>The gRPC service the worker connects to (FunctionRpc.EventStream); the stream itself is the channel's.</summary>
internal sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return channel.RunStreamAsync(requestStream, responseStream, context.CancellationToken);
    }
}
