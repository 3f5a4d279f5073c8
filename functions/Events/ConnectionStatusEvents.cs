using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Credentials.Functions.Connections;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Events;

/// <summary>
/// Publishes <see cref="ConnectionStatusEvent"/>s to the Storage queue. Publishing happens after the status change is
/// stored; a failed send is logged and counted but does not undo or fail the change it reports.
/// </summary>
public sealed partial class ConnectionStatusEvents(QueueServiceClient queues, IOptions<StorageOptions> options, TimeProvider time,
    ILogger<ConnectionStatusEvents> logger)
{
    private Lazy<Task<QueueClient>>? _queue;

    /// <summary>Publishes when <paramref name="before"/> and <paramref name="after"/> differ in status (null: did not exist / deleted).</summary>
    public Task PublishIfChangedAsync(ConnectionRecord? before, ConnectionRecord? after, string? reason, CancellationToken cancellationToken)
    {
        var subject = after ?? before;
        var oldStatus = before?.Status.ToName();
        var newStatus = after?.Status.ToName() ?? ConnectionStatusEvent.Deleted;
        if (subject is null || oldStatus == newStatus)
        {
            return Task.CompletedTask;
        }

        return PublishAsync(new ConnectionStatusEvent(subject.UserId, subject.ConnectionId, subject.ProviderId, oldStatus, newStatus, reason, time.GetUtcNow()),
            cancellationToken);
    }

    public async Task PublishAsync(ConnectionStatusEvent statusEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statusEvent);
        try
        {
            var queue = await QueueAsync(cancellationToken);
            await queue.SendMessageAsync(JsonSerializer.Serialize(statusEvent), cancellationToken);
        }
        catch (RequestFailedException exception)
        {
            LogPublishFailed(logger, statusEvent.NewStatus, exception.Status);
        }
    }

    /// <summary>The queue, created once per process on first use; a failed creation is retried by the next caller.</summary>
    private async Task<QueueClient> QueueAsync(CancellationToken cancellationToken)
    {
        var lazy = Volatile.Read(ref _queue) ?? Interlocked.CompareExchange(ref _queue, new(CreateAsync), null) ?? _queue!;
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

    private async Task<QueueClient> CreateAsync()
    {
        var queue = queues.GetQueueClient(options.Value.StatusEventsQueue);
        await queue.CreateIfNotExistsAsync();
        return queue;
    }

    [LoggerMessage(EventId = 7000, Level = LogLevel.Error, Message = "A connection status event ({NewStatus}) could not be queued (HTTP {Status})")]
    private static partial void LogPublishFailed(ILogger logger, string newStatus, int status);
}
