using Azure;
using Azure.Storage.Queues;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Maintenance;

/// <summary>The queue of maintenance work items (<see cref="StorageOptions.MaintenanceQueue"/>), created once per process on first use.</summary>
public sealed class MaintenanceBacklog(QueueServiceClient queues, IOptions<StorageOptions> options)
{
    private const int ParallelSends = 16;
    private readonly Lazy<Task<QueueClient>> _queue = new(() => CreateAsync(queues.GetQueueClient(options.Value.MaintenanceQueue)));

    /// <summary>Messages waiting or in progress (the service's approximate count).</summary>
    public async Task<int> ApproximateCountAsync(CancellationToken cancellationToken)
    {
        var queue = await _queue.Value.WaitAsync(cancellationToken);
        return (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
    }

    public async Task SendAsync(IEnumerable<MaintenanceWorkItem> items, CancellationToken cancellationToken)
    {
        var queue = await _queue.Value.WaitAsync(cancellationToken);
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = ParallelSends, CancellationToken = cancellationToken },
            async (item, token) => await queue.SendMessageAsync(item.ToMessage(), token));
    }

    private static async Task<QueueClient> CreateAsync(QueueClient queue)
    {
        try
        {
            await queue.CreateIfNotExistsAsync();
        }
        catch (RequestFailedException exception) when (exception.Status == 403)
        {
            // In Azure the deployment creates the queue; the identity's role is scoped to it.
        }

        return queue;
    }
}
