using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Credentials.WorkerHost.Rpc;

namespace Credentials.WorkerHost;

/// <summary>
/// Queue-triggered functions, as the host's queue listener runs them: the queue named by the trigger's <c>queueName</c>
/// (<c>%Name%</c> resolved from app settings) on the account of its <c>connection</c> setting (a connection string, e.g.
/// Azurite's); base64 messages taken in batches under a renewed lease; the message text as the trigger's input with
/// <c>Id</c> and <c>DequeueCount</c> as trigger metadata; deleted after success, retried after
/// <see cref="QueueTriggerSettings.VisibilityTimeout"/> on failure, moved to <c>&lt;queue&gt;-poison</c> after the
/// <see cref="QueueTriggerSettings.MaxDequeueCount"/>th failure. A run cut short by this host stopping leaves its
/// message to reappear when the lease runs out, as after a crash.
/// </summary>
internal sealed partial class QueueListener(
    WorkerChannel channel,
    IReadOnlyList<WorkerFunction> functions,
    IReadOnlyDictionary<string, string?> appSettings,
    QueueTriggerSettings settings,
    ILogger<QueueListener> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(functions.Where(f => f.IsQueue).Select(function => ListenAsync(function, stoppingToken)));

    private async Task ListenAsync(WorkerFunction function, CancellationToken stoppingToken)
    {
        var connection = Setting(function.Connection ?? "AzureWebJobsStorage")
            ?? throw new InvalidOperationException($"Queue function '{function.Name}': app setting '{function.Connection}' (a connection string) is not set.");
        var name = System.Text.RegularExpressions.Regex.Replace(function.QueueName ?? string.Empty, "%(?<name>[^%]+)%", match =>
            Setting(match.Groups["name"].Value) ?? throw new InvalidOperationException($"Queue name '{function.QueueName}' refers to an app setting that is not set."));
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var queue = new QueueClient(connection, name, options);
        var poison = new QueueClient(connection, name + "-poison", options);
        await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        LogListening(logger, function.Name, name);
        var delay = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var messages = (await queue.ReceiveMessagesAsync(settings.BatchSize, settings.Lease, stoppingToken)).Value;
                if (messages.Length > 0)
                {
                    delay = MinPollingInterval;
                    await Task.WhenAll(messages.Select(message => RunAsync(function, queue, poison, message, stoppingToken)));
                    continue;
                }

                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxPollingInterval.Ticks));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RequestFailedException exception)
            {
                LogPollFailed(logger, exception, function.Name);
                await Task.Delay(settings.MaxPollingInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RunAsync(WorkerFunction function, QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        var receipt = message.PopReceipt;
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = RenewAsync(queue, message.MessageId, () => receipt, r => receipt = r, renewal.Token);
        string? failure;
        try
        {
            failure = await InvokeAsync(function, message, stoppingToken);
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
        }

        if (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        if (failure is null)
        {
            await queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
        }
        else if (message.DequeueCount >= settings.MaxDequeueCount)
        {
            LogPoisoned(logger, function.Name, message.MessageId, message.DequeueCount, failure);
            await poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
            await queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
        }
        else
        {
            LogFailed(logger, function.Name, message.MessageId, message.DequeueCount, failure);
            await queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None);
        }
    }

    /// <summary>Null when the worker reports success, else its failure message.</summary>
    private async Task<string?> InvokeAsync(WorkerFunction function, QueueMessage message, CancellationToken stoppingToken)
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
        try
        {
            var response = await channel.InvokeAsync(request, stoppingToken);
            return response.Result?.Status == StatusResult.Types.Status.Success ? null : response.Result?.Exception?.Message ?? "failed";
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return exception.Message;
        }
    }

    private async Task RenewAsync(QueueClient queue, string messageId, Func<string> receipt, Action<string> renewed, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(settings.Lease / 2, cancellationToken);
                var update = await queue.UpdateMessageAsync(messageId, receipt(), visibilityTimeout: settings.Lease, cancellationToken: cancellationToken);
                renewed(update.Value.PopReceipt);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>An app setting (<c>A:B</c> spelled <c>A__B</c>), then this process's environment, as the host reads them.</summary>
    private string? Setting(string name)
    {
        var key = name.Replace(":", "__", StringComparison.Ordinal);
        return appSettings.TryGetValue(key, out var given) ? given : Environment.GetEnvironmentVariable(key);
    }

    [LoggerMessage(EventId = 8160, Level = LogLevel.Information, Message = "Queue function {Function} listening on queue {Queue}")]
    private static partial void LogListening(ILogger logger, string function, string queue);

    [LoggerMessage(EventId = 8161, Level = LogLevel.Warning, Message = "Queue function {Function} failed on message {MessageId} (attempt {DequeueCount}): {Failure}; it will be retried")]
    private static partial void LogFailed(ILogger logger, string function, string messageId, long dequeueCount, string failure);

    [LoggerMessage(EventId = 8162, Level = LogLevel.Error, Message = "Queue function {Function} failed on message {MessageId} for the {DequeueCount}th time ({Failure}); moved to the poison queue")]
    private static partial void LogPoisoned(ILogger logger, string function, string messageId, long dequeueCount, string failure);

    [LoggerMessage(EventId = 8163, Level = LogLevel.Warning, Message = "Queue function {Function} could not poll its queue")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string function);
}
