using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Credentials.HostQueueing;

/// <summary>
/// One queue-triggered function as <see cref="QueueFunctionListener"/> runs it: its queue and poison queue, resolved
/// by the host, and how the host invokes the function for one message (a run that throws has failed).
/// </summary>
public sealed record QueueFunction(string Name, QueueClient Queue, QueueClient Poison, Func<QueueMessage, CancellationToken, Task> InvokeAsync)
{
    /// <summary>A function on the queue named <paramref name="queueName"/> of <paramref name="queues"/>, with its <c>-poison</c> queue next to it.</summary>
    public static QueueFunction On(QueueServiceClient queues, string name, string queueName, Func<QueueMessage, CancellationToken, Task> invokeAsync)
    {
        ArgumentNullException.ThrowIfNull(queues);
        return new QueueFunction(name, queues.GetQueueClient(queueName), queues.GetQueueClient(queueName + "-poison"), invokeAsync);
    }
}
