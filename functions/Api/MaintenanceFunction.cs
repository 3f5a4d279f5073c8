using Credentials.Functions.Maintenance;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Api;

/// <summary>
/// Keeps tokens alive and valid on a schedule: plans the walk as queued work items (<see cref="MaintenancePlanner"/>),
/// which <see cref="MaintenanceWorkFunction"/> processes. No RunOnStartup: every instance start would run it.
/// </summary>
public sealed partial class MaintenanceFunction(MaintenancePlanner planner, ILogger<MaintenanceFunction> logger)
{
    [Function("Maintenance")]
    public async Task Run([TimerTrigger("%Maintenance:Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        if (timer.IsPastDue)
        {
            // A missed schedule needs no catching up: the cursor carries the walk over, and a run is idempotent.
            LogPastDue(logger);
        }

        await planner.PlanAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Maintenance timer is past due; running once as usual")]
    private static partial void LogPastDue(ILogger logger);
}
