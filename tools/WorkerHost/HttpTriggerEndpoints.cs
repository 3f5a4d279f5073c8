using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Credentials.WorkerHost.Rpc;
using Yarp.ReverseProxy.Forwarder;

namespace Credentials.WorkerHost;

/// <summary>
/// HTTP functions as the host serves them to a worker with the HttpUri capability: the host's routing picks the
/// function by <c>{routePrefix}/{route}</c> and method; the request is forwarded to the worker's own server with
/// <c>x-ms-invocation-id</c> while the InvocationRequest goes over the stream; the worker pairs the two, runs the
/// function and writes the answer on its own response, which the forwarder copies back to the caller.
/// </summary>
internal static partial class HttpTriggerEndpoints
{
    // ScriptConstants.HttpProxyCorrelationHeader; the worker's Constants.CorrelationHeader.
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private static readonly JsonSerializerOptions Json = new();

    public static void Map(WebApplication app, WorkerReady worker, WorkerChannel channel, string routePrefix)
    {
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpTriggerEndpoints));

        // DefaultHttpProxyService: no redirects followed, no cookies kept, a 240 s activity timeout.
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
        });
        var requestConfig = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(240) };
        var destination = worker.HttpUri.ToString();

        foreach (var function in worker.Functions.Where(f => f.IsHttp))
        {
            // The host's route is {routePrefix}/{route}, the function's name when it declares no route.
            var route = function.Route ?? function.Name;
            var pattern = string.IsNullOrEmpty(routePrefix) ? route : $"{routePrefix}/{route}";
            RequestDelegate handler = http => InvokeAsync(http, function, channel, forwarder, invoker, destination, requestConfig, logger);
            var endpoint = function.Methods.Count == 0 ? app.Map(pattern, handler) : app.MapMethods(pattern, function.Methods, handler);
            endpoint.WithDisplayName(function.Name);
        }
    }

    private static async Task InvokeAsync(HttpContext http, WorkerFunction function, WorkerChannel channel, IHttpForwarder forwarder, HttpMessageInvoker invoker,
        string destination, ForwarderRequestConfig requestConfig, ILogger logger)
    {
        var invocationId = Guid.NewGuid().ToString();

        // DefaultHttpProxyService.StartForwarding adds the header with TryAdd; it is set here so that a caller's own header
        // cannot pair the request with another invocation.
        http.Request.Headers[InvocationIdHeader] = invocationId;
        var request = InvocationFor(http, function, invocationId);

        // GrpcWorkerChannel.SendInvocationRequest starts forwarding before it sends the invocation, and both proceed at once.
        var forwarding = forwarder.SendAsync(http, destination, invoker, requestConfig).AsTask();
        InvocationResponse? response = null;
        try
        {
            response = await channel.InvokeAsync(request, http.RequestAborted);
        }
        catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
        {
            LogInvocationFailed(logger, function.Name, invocationId, exception.Message);
        }

        // GrpcWorkerChannel.InvokeResponse → EnsureSuccessfulForwardingAsync: the answer is whatever the worker wrote.
        var error = await forwarding;
        if (error != ForwarderError.None)
        {
            LogForwardingFailed(logger, function.Name, invocationId, error.ToString());
        }

        if (response?.Result is { Status: not StatusResult.Types.Status.Success } result)
        {
            LogInvocationFailed(logger, function.Name, invocationId, result.Exception?.Message ?? result.Status.ToString());
        }

        if ((response?.Result?.Status != StatusResult.Types.Status.Success || error != ForwarderError.None) && !http.Response.HasStarted)
        {
            // The host fails the invocation, which its HTTP pipeline answers with 500.
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
    }

    /// <summary>
    /// The invocation as ScriptInvocationContextExtensions.ToRpcInvocationRequest builds it for a proxying worker: the
    /// trigger as an empty RpcHttp (GrpcMessageConversionExtensions.ToRpcHttp), and the HTTP trigger's binding data as
    /// trigger metadata — route values, <c>Query</c> and <c>Headers</c> — less the request object itself, which the worker
    /// declines with RpcHttpTriggerMetadataRemoved. The worker binds the functions' route parameters from these.
    /// </summary>
    internal static InvocationRequest InvocationFor(HttpContext http, WorkerFunction function, string invocationId)
    {
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            TraceContext = TraceContextOf(http, function),
        };
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Http = new RpcHttp() } });
        foreach (var (name, value) in http.Request.RouteValues)
        {
            if (value?.ToString() is { } text)
            {
                request.TriggerMetadata[name] = new TypedData { String = text };
            }
        }

        var query = http.Request.Query.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var headers = http.Request.Headers.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        request.TriggerMetadata["Query"] = new TypedData { Json = JsonSerializer.Serialize(query, Json) };
        request.TriggerMetadata["Headers"] = new TypedData { Json = JsonSerializer.Serialize(headers, Json) };
        return request;
    }

    /// <summary>The caller's W3C trace context when it sent one, else a new one; the host puts the function's name in the attributes.</summary>
    private static RpcTraceContext TraceContextOf(HttpContext http, WorkerFunction function)
    {
        var parent = http.Request.Headers.TryGetValue("traceparent", out var sent) && ActivityContext.TryParse(sent.ToString(), null, out var context)
            ? $"00-{context.TraceId}-{ActivitySpanId.CreateRandom()}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}"
            : $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01";
        var trace = new RpcTraceContext { TraceParent = parent, TraceState = http.Request.Headers["tracestate"].ToString() };
        trace.Attributes["OperationName"] = function.Name;
        return trace;
    }

    [LoggerMessage(EventId = 9220, Level = LogLevel.Error, Message = "Invocation {InvocationId} of {Function} failed: {Reason}")]
    private static partial void LogInvocationFailed(ILogger logger, string function, string invocationId, string reason);

    [LoggerMessage(EventId = 9221, Level = LogLevel.Error, Message = "Forwarding invocation {InvocationId} of {Function} to the worker failed: {Error}")]
    private static partial void LogForwardingFailed(ILogger logger, string function, string invocationId, string error);
}
