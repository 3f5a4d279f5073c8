using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Events;

/// <summary>
/// Moves status events from their outbox rows to the queue, then deletes the rows. The instance that stored a change
/// sends its event at once, in the background (the request that caused it never waits for the queue); one it could not
/// send is retried every <see cref="StorageOptions.StatusEventRetryInterval"/>,
/// and rows no instance retries any more (it stopped) are sent when the maintenance walk comes across them. A row is
/// deleted only after its message was queued, so an event can be sent twice but never lost: consumers de-duplicate on
/// <see cref="ConnectionStatusEvent.EventId"/>.
/// </summary>
public sealed partial class StatusEventDispatcher : BackgroundService, IStatusEventSink
{
    /// <summary>Events held in memory for retry; beyond this the outbox rows wait for the maintenance walk.</summary>
    private const int MaxPending = 10_000;

    private readonly QueueServiceClient _queues;
    private readonly StorageTables _tables;
    private readonly IOptions<StorageOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StatusEventDispatcher> _logger;
    private readonly ConcurrentDictionary<string, ConnectionStatusEvent> _pending = new(StringComparer.Ordinal);
    private readonly Meter _meter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _deferred;
    private readonly ServiceMetrics? _metrics;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Lazy<Task<QueueClient>>? _queue;

    public StatusEventDispatcher(QueueServiceClient queues, StorageTables tables, IOptions<StorageOptions> options, TimeProvider time,
        IMeterFactory meters, ILogger<StatusEventDispatcher> logger, ServiceMetrics? metrics = null)
    {
        _queues = queues;
        _tables = tables;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _meter = meters.CreateServiceMeter();
        _sent = _meter.CreateCounter<long>("credentials.status_events.sent", "{event}", "Status events queued");
        _deferred = _meter.CreateCounter<long>("credentials.status_events.deferred", "{event}", "Status events that could not be queued at once");
        _meter.CreateObservableGauge("credentials.status_events.pending", () => _pending.Count, "{event}", "Status events waiting for a retry on this instance");
    }

    /// <summary>Events this instance is holding for a retry.</summary>
    public int Pending => _pending.Count;

    /// <summary>
    /// Hands over one event whose outbox row was just stored: the background loop sends it at once and deletes the row.
    /// Never waits and never throws; beyond <see cref="MaxPending"/> held events the row waits for the maintenance walk.
    /// </summary>
    public void Dispatch(ConnectionStatusEvent statusEvent)
    {
        ArgumentNullException.ThrowIfNull(statusEvent);
        if (statusEvent.OldStatus != statusEvent.NewStatus)
        {
            _metrics?.StatusChanged(statusEvent.Provider, statusEvent.NewStatus);
        }
        if (_pending.Count < MaxPending)
        {
            _pending.TryAdd(statusEvent.EventId, statusEvent);
            Volatile.Read(ref _wake).TrySetResult();
        }
    }

    /// <summary>
    /// Sends events found in outbox rows (maintenance). Young ones are left to the instance that wrote them, which sends
    /// them at once or within a few retry intervals; this one only takes over what was left behind.
    /// </summary>
    public async Task<int> DispatchStoredAsync(IEnumerable<ConnectionStatusEvent> stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var leftBehindBefore = _time.GetUtcNow() - (3 * _options.Value.StatusEventRetryInterval);
        var sent = 0;
        foreach (var statusEvent in stored)
        {
            if (statusEvent.OccurredAt < leftBehindBefore && !_pending.ContainsKey(statusEvent.EventId) && await TrySendAsync(statusEvent, cancellationToken))
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>One round over the events this instance holds: new ones, and those it could not send before.</summary>
    /// <returns>False when the queue failed: the rest waits for the retry interval.</returns>
    public async Task<bool> SendPendingAsync(CancellationToken cancellationToken)
    {
        foreach (var statusEvent in _pending.Values.OrderBy(e => e.OccurredAt))
        {
            if (!await TrySendAsync(statusEvent, cancellationToken))
            {
                return false;
            }

            _pending.TryRemove(statusEvent.EventId, out _);
        }

        return true;
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Swapped before sending, so that an event handed over while this round runs wakes the next one.
                Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                var sentAll = _pending.IsEmpty || await SendPendingAsync(stoppingToken);
                var handedOver = Volatile.Read(ref _wake).Task;
                // New events wake the loop at once; events that could not be sent wait for the retry interval.
                await (sentAll ? handedOver.WaitAsync(stoppingToken)
                    : Task.WhenAny(handedOver, Task.Delay(_options.Value.StatusEventRetryInterval, _time, stoppingToken)));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still pending stays in the outbox rows for the maintenance walk.
        }
    }

    private async Task<bool> TrySendAsync(ConnectionStatusEvent statusEvent, CancellationToken cancellationToken)
    {
        try
        {
            var queue = await QueueAsync(cancellationToken);
            await queue.SendMessageAsync(JsonSerializer.Serialize(statusEvent), cancellationToken);
            _sent.Add(1);
        }
        catch (Exception exception) when (IsTransient(exception, cancellationToken))
        {
            _deferred.Add(1);
            LogSendDeferred(_logger, statusEvent.NewStatus, (exception as RequestFailedException)?.Status ?? 0);
            return false;
        }

        try
        {
            var table = await _tables.ConnectionsAsync(cancellationToken);
            await table.DeleteEntityAsync(statusEvent.UserId, StatusEventOutbox.RowKeyOf(statusEvent), ETag.All, cancellationToken);
        }
        catch (Exception exception) when (IsTransient(exception, cancellationToken))
        {
            // Queued but still in the outbox: the maintenance walk will send it again, and consumers de-duplicate.
            LogOutboxRowKept(_logger, (exception as RequestFailedException)?.Status ?? 0);
        }

        return true;
    }

    /// <summary>A storage error, or a call that timed out or lost its answer; not this loop's own shutdown.</summary>
    private static bool IsTransient(Exception exception, CancellationToken cancellationToken) =>
        exception is RequestFailedException or TimeoutException or HttpRequestException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>The queue, created once per process on first use; a failed creation is retried by the next caller.</summary>
    private async Task<QueueClient> QueueAsync(CancellationToken cancellationToken)
    {
        var lazy = Volatile.Read(ref _queue) ?? Interlocked.CompareExchange(ref _queue, new(CreateQueueAsync), null) ?? _queue!;
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            Interlocked.CompareExchange(ref _queue, null, lazy);
            throw;
        }
    }

    private async Task<QueueClient> CreateQueueAsync()
    {
        var queue = _queues.GetQueueClient(_options.Value.StatusEventsQueue);
        try
        {
            await queue.CreateIfNotExistsAsync();
        }
        catch (RequestFailedException exception) when (exception.Status == 403)
        {
            // In Azure the queue is provisioned by the deployment and the identity may only send to it (Queue Data Message Sender).
        }

        return queue;
    }

    [LoggerMessage(EventId = 7000, Level = LogLevel.Warning, Message = "A connection status event ({NewStatus}) could not be queued yet (HTTP {Status}; 0: no answer); it stays in the outbox and is retried")]
    private static partial void LogSendDeferred(ILogger logger, string newStatus, int status);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "A queued status event's outbox row could not be deleted (HTTP {Status}); it may be sent again")]
    private static partial void LogOutboxRowKept(ILogger logger, int status);
}
