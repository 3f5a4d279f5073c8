using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Credentials.HostQueueing;
using Credentials.WorkerHost.Rpc;

namespace Credentials.WorkerHost;

/// <summary>
/// The worker's queue-triggered functions for the shared <see cref="QueueFunctionListener"/>: each on the queue named
/// by the trigger's <c>queueName</c> (<c>%Name%</c> resolved from app settings) on the account of its
/// <c>connection</c> setting (a connection string, e.g. Azurite's), base64 messages as the host reads them; each
/// message is an InvocationRequest with the message text as the trigger's input and <c>Id</c> and
/// <c>DequeueCount</c> as trigger metadata.
/// </summary>
internal static class WorkerQueueFunctions
{
    public static IReadOnlyList<QueueFunction> Create(WorkerChannel channel, IReadOnlyList<WorkerFunction> functions, IReadOnlyDictionary<string, string?> appSettings) =>
        functions.Where(f => f.IsQueue).Select(function =>
        {
            var connection = Setting(appSettings, function.Connection ?? "AzureWebJobsStorage")
                ?? throw new InvalidOperationException($"Queue function '{function.Name}': app setting '{function.Connection}' (a connection string) is not set.");
            var name = System.Text.RegularExpressions.Regex.Replace(function.QueueName ?? string.Empty, "%(?<name>[^%]+)%", match =>
                Setting(appSettings, match.Groups["name"].Value) ?? throw new InvalidOperationException($"Queue name '{function.QueueName}' refers to an app setting that is not set."));
            var queues = new QueueServiceClient(connection, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
            return QueueFunction.On(queues, function.Name, name, (message, stoppingToken) => InvokeAsync(channel, function, message, stoppingToken));
        }).ToList();

    /// <summary>Completes when the worker reports success; throws with the worker's failure message otherwise.</summary>
    private static async Task InvokeAsync(WorkerChannel channel, WorkerFunction function, QueueMessage message, CancellationToken stoppingToken)
    {
        var request = new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext { TraceParent = $"00-{System.Diagnostics.ActivityTraceId.CreateRandom()}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01" },
        };
        request.TraceContext.Attributes["OperationName"] = function.Name;
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { String = message.Body.ToString() } });
        request.TriggerMetadata.Add("Id", new TypedData { String = message.MessageId });
        request.TriggerMetadata.Add("DequeueCount", new TypedData { Json = message.DequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var response = await channel.InvokeAsync(request, stoppingToken);
        if (response.Result?.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException($"Queue function '{function.Name}' failed in the worker: {response.Result?.Exception?.Message ?? "failed"}");
        }
    }

    /// <summary>An app setting (<c>A:B</c> spelled <c>A__B</c>), then this process's environment, as the host reads them.</summary>
    private static string? Setting(IReadOnlyDictionary<string, string?> appSettings, string name)
    {
        var key = name.Replace(":", "__", StringComparison.Ordinal);
        return appSettings.TryGetValue(key, out var given) ? given : Environment.GetEnvironmentVariable(key);
    }
}
