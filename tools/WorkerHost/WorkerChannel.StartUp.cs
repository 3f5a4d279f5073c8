using Credentials.WorkerHost.Rpc;

namespace Credentials.WorkerHost;

/// <summary>The worker's start-up, in the host's order, on the one stream.</summary>
internal sealed partial class WorkerChannel
{
    // The worker's ASP.NET Core extension announces its own HTTP server under this capability (Constants.HttpUriCapability).
    private const string HttpUriCapability = "HttpUri";

    private const string HostVersion = "4.0.0-credentials-worker-host";

    /// <summary>
    /// The host's start-up order: StartStream from the worker → WorkerInitRequest/Response (capabilities, among them
    /// HttpUri) → FunctionsMetadataRequest/FunctionMetadataResponse (worker indexing: the worker reports its functions)
    /// → one FunctionLoadRequest per function, each answered by a FunctionLoadResponse.
    /// </summary>
    private async Task<WorkerReady> StartUpAsync(CancellationToken cancellationToken)
    {
        var start = await NextAsync(StreamingMessage.ContentOneofCase.StartStream, cancellationToken);
        if (!string.Equals(start.StartStream.WorkerId, workerId, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"A worker with id '{start.StartStream.WorkerId}' connected; this host started '{workerId}'.");
        }

        // GrpcWorkerChannel.SendWorkerInitRequest / GetWorkerInitRequest.
        Send(new StreamingMessage
        {
            WorkerInitRequest = new WorkerInitRequest { HostVersion = HostVersion, WorkerDirectory = app.Path, FunctionAppDirectory = app.Path },
        });
        var init = (await NextAsync(StreamingMessage.ContentOneofCase.WorkerInitResponse, cancellationToken)).WorkerInitResponse;
        ThrowIfFailed(init.Result, "WorkerInitResponse");
        var capabilities = init.Capabilities.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        if (!capabilities.TryGetValue(HttpUriCapability, out var httpUri) || !Uri.TryCreate(httpUri, UriKind.Absolute, out var httpEndpoint))
        {
            throw new InvalidOperationException("The worker announced no HttpUri capability: this host invokes HTTP functions only through the " +
                "ASP.NET Core integration (ConfigureFunctionsWebApplication), as the app is deployed.");
        }

        var runtimeVersion = init.WorkerMetadata?.RuntimeVersion ?? "?";
        var workerVersion = init.WorkerMetadata?.WorkerVersion ?? "?";
        LogInitialized(logger, runtimeVersion, workerVersion, httpEndpoint);

        // GrpcWorkerChannel.SendFunctionMetadataRequest / ProcessFunctionMetadataResponses.
        Send(new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = app.Path } });
        var metadata = (await NextAsync(StreamingMessage.ContentOneofCase.FunctionMetadataResponse, cancellationToken)).FunctionMetadataResponse;
        ThrowIfFailed(metadata.Result, "FunctionMetadataResponse");
        if (metadata.UseDefaultMetadataIndexing)
        {
            throw new InvalidOperationException("The worker asked for host indexing (use_default_metadata_indexing); this host supports worker indexing only, as worker.config.json declares.");
        }

        var functions = metadata.FunctionMetadataResults.Select(WorkerFunction.From).ToList();

        // GrpcWorkerChannel.SendFunctionLoadRequests: one request per function (the worker does not announce
        // SupportsLoadResponseCollection), then every response.
        foreach (var function in functions)
        {
            Send(new StreamingMessage { FunctionLoadRequest = function.ToLoadRequest() });
        }

        var failures = new List<string>();
        for (var loaded = 0; loaded < functions.Count; loaded++)
        {
            var response = (await NextAsync(StreamingMessage.ContentOneofCase.FunctionLoadResponse, cancellationToken)).FunctionLoadResponse;
            if (response.Result?.Status != StatusResult.Types.Status.Success)
            {
                failures.Add($"{functions.FirstOrDefault(f => f.FunctionId == response.FunctionId)?.Name ?? response.FunctionId}: {response.Result?.Exception?.Message}");
            }
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException("The worker failed to load: " + string.Join("; ", failures));
        }

        LogLoaded(logger, functions.Count);
        return new WorkerReady(httpEndpoint, functions, capabilities);
    }

    private static void ThrowIfFailed(StatusResult? result, string step)
    {
        if (result?.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException($"{step} reported {result?.Status.ToString() ?? "no status"}: {result?.Exception?.Message}");
        }
    }

    [LoggerMessage(EventId = 9200, Level = LogLevel.Information, Message = "Worker initialized (.NET {RuntimeVersion}, worker {WorkerVersion}); its HTTP server is {HttpUri}")]
    private static partial void LogInitialized(ILogger logger, string runtimeVersion, string workerVersion, Uri httpUri);

    [LoggerMessage(EventId = 9201, Level = LogLevel.Information, Message = "Worker indexed and loaded {Count} functions")]
    private static partial void LogLoaded(ILogger logger, int count);
}
