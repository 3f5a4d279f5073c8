using Credentials.Functions.Maintenance;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>
/// Processes one maintenance work item on whichever instance the host hands it to. A failure leaves the message to the
/// host: retried, and after host.json's <c>maxDequeueCount</c> attempts moved to the <c>-poison</c> queue.
/// </summary>
public sealed class MaintenanceWorkFunction(MaintenanceRunner runner)
{
    public const string Name = "MaintenanceWork";

    [Function(Name)]
    public async Task Run([QueueTrigger("%Storage:MaintenanceQueue%", Connection = "AzureWebJobsStorage")] string message, CancellationToken cancellationToken) =>
        await runner.ProcessAsync(MaintenanceWorkItem.FromMessage(message), cancellationToken);
}
