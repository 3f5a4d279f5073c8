using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Credentials.HostQueueing;

/// <summary>
/// Runs each queue-triggered function as the Functions host's queue listener does: messages taken in batches under a
/// renewed lease, deleted after a successful run, made visible again after <see cref="QueueTriggerSettings.VisibilityTimeout"/>
/// when the run fails, and moved to <c>&lt;queue&gt;-poison</c> when the failed attempt was the
/// <see cref="QueueTriggerSettings.MaxDequeueCount"/>th. Polling backs off from 100 ms to
/// <see cref="QueueTriggerSettings.MaxPollingInterval"/> while the queue is empty. A queue that cannot be reached (at
/// start or later) is retried every <see cref="QueueTriggerSettings.MaxPollingInterval"/>: the listener never ends, so
/// it never stops its host. A message whose run is cut short by the host stopping is left as it is: it reappears when
/// its lease runs out, as after a crash.
/// </summary>
public sealed partial class QueueFunctionListener(
    IReadOnlyList<QueueFunction> functions,
    QueueTriggerSettings settings,
    ILogger<QueueFunctionListener> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(functions.Select(function => ListenAsync(function, stoppingToken)));

    private async Task ListenAsync(QueueFunction function, CancellationToken stoppingToken)
    {
        var delay = MinPollingInterval;
        var reached = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!reached)
                {
                    await function.Queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    reached = true;
                    LogListening(logger, function.Name, function.Queue.Name);
                }

                var messages = (await function.Queue.ReceiveMessagesAsync(settings.BatchSize, settings.Lease, stoppingToken)).Value;
                if (messages.Length > 0)
                {
                    delay = MinPollingInterval;
                    await Task.WhenAll(messages.Select(message => RunAsync(function, message, stoppingToken)));
                    continue;
                }

                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxPollingInterval.Ticks));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure to reach the queue (a refusal, or a transport error after retries) is retried.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogPollFailed(logger, exception, function.Name);
                await Task.Delay(settings.MaxPollingInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RunAsync(QueueFunction function, QueueMessage message, CancellationToken stoppingToken)
    {
        var receipt = message.PopReceipt;
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = RenewAsync(function.Queue, message.MessageId, () => receipt, r => receipt = r, renewal.Token);
        Exception? failure = null;
        try
        {
            await function.InvokeAsync(message, stoppingToken);
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
            await function.Queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
        }
        else if (message.DequeueCount >= settings.MaxDequeueCount)
        {
            LogPoisoned(logger, failure, function.Name, message.MessageId, message.DequeueCount);
            await function.Poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            await function.Poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
            await function.Queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
        }
        else
        {
            LogFailed(logger, failure, function.Name, message.MessageId, message.DequeueCount);
            await function.Queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None);
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
#pragma warning disable CA1031 // A lease that cannot be renewed must not take the run's outcome with it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogRenewalFailed(logger, exception, messageId);
        }
    }

    [LoggerMessage(EventId = 8150, Level = LogLevel.Information, Message = "Queue function {Function} listening on queue {Queue}")]
    private static partial void LogListening(ILogger logger, string function, string queue);

    [LoggerMessage(EventId = 8151, Level = LogLevel.Warning, Message = "Queue function {Function} failed on message {MessageId} (attempt {DequeueCount}); it will be retried")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function, string messageId, long dequeueCount);

    [LoggerMessage(EventId = 8152, Level = LogLevel.Error, Message = "Queue function {Function} failed on message {MessageId} for the {DequeueCount}th time; moved to the poison queue")]
    private static partial void LogPoisoned(ILogger logger, Exception exception, string function, string messageId, long dequeueCount);

    [LoggerMessage(EventId = 8153, Level = LogLevel.Warning, Message = "Queue function {Function} could not poll its queue")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string function);

    [LoggerMessage(EventId = 8154, Level = LogLevel.Warning, Message = "The lease on queue message {MessageId} could not be renewed; the message may run again once it runs out")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, string messageId);
}
