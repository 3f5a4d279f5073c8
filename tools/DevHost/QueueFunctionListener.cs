using System.Reflection;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Credentials.Functions.Api;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.DevHost;

/// <summary>
/// Runs each queue-triggered function as the Functions host's queue listener does: messages taken in batches under a
/// renewed lease, deleted after a successful run, made visible again after <see cref="QueueTriggerSettings.VisibilityTimeout"/>
/// when the run fails, and moved to <c>&lt;queue&gt;-poison</c> when the failed attempt was the
/// <see cref="QueueTriggerSettings.MaxDequeueCount"/>th. A message whose run is cut short by this host stopping is left
/// as it is: it reappears when its lease runs out, as after a crash. The queues are the app's own queue service.
/// </summary>
internal sealed partial class QueueFunctionListener(
    IReadOnlyList<QueueFunctionDescriptor> functions,
    QueueTriggerSettings settings,
    QueueServiceClient queues,
    IConfiguration configuration,
    IServiceScopeFactory scopes,
    ILogger<QueueFunctionListener> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(functions.Select(function => ListenAsync(function, stoppingToken)));

    private async Task ListenAsync(QueueFunctionDescriptor function, CancellationToken stoppingToken)
    {
        var name = ResolveQueueName(function.QueueName);
        var queue = queues.GetQueueClient(name);
        var poison = queues.GetQueueClient(name + "-poison");
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

    private async Task RunAsync(QueueFunctionDescriptor function, QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        var receipt = message.PopReceipt;
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = RenewAsync(queue, message.MessageId, () => receipt, r => receipt = r, renewal.Token);
        Exception? failure = null;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var arguments = function.Method.GetParameters().Select(p => Bind(function, p, message, stoppingToken)).ToArray();
            await FunctionInvoker.InvokeAsync(function.Method, scope.ServiceProvider, arguments);
        }
#pragma warning disable CA1031 // A failed run is retried or poisoned, as in the Functions host.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            failure = exception;
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
            LogPoisoned(logger, failure, function.Name, message.MessageId, message.DequeueCount);
            await poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
            await queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
        }
        else
        {
            LogFailed(logger, failure, function.Name, message.MessageId, message.DequeueCount);
            await queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None);
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

    private static object? Bind(QueueFunctionDescriptor function, ParameterInfo parameter, QueueMessage message, CancellationToken stoppingToken) =>
        parameter.GetCustomAttribute<QueueTriggerAttribute>() is not null && parameter.ParameterType == typeof(string) ? message.Body.ToString()
        : parameter.ParameterType == typeof(CancellationToken) ? stoppingToken
        : throw new InvalidOperationException($"Queue function '{function.Name}' parameter '{parameter.Name}' cannot be supplied by the dev host.");

    private string ResolveQueueName(string queueName) =>
        queueName.Length > 2 && queueName[0] == '%' && queueName[^1] == '%'
            ? configuration[queueName[1..^1]] ?? throw new InvalidOperationException($"Queue name '{queueName}' refers to a setting that is not set.")
            : queueName;

    [LoggerMessage(EventId = 8150, Level = LogLevel.Information, Message = "Queue function {Function} listening on queue {Queue}")]
    private static partial void LogListening(ILogger logger, string function, string queue);

    [LoggerMessage(EventId = 8151, Level = LogLevel.Warning, Message = "Queue function {Function} failed on message {MessageId} (attempt {DequeueCount}); it will be retried")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function, string messageId, long dequeueCount);

    [LoggerMessage(EventId = 8152, Level = LogLevel.Error, Message = "Queue function {Function} failed on message {MessageId} for the {DequeueCount}th time; moved to the poison queue")]
    private static partial void LogPoisoned(ILogger logger, Exception exception, string function, string messageId, long dequeueCount);

    [LoggerMessage(EventId = 8153, Level = LogLevel.Warning, Message = "Queue function {Function} could not poll its queue")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string function);
}
