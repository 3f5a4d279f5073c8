using System.Diagnostics;
using Credentials.Functions.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Maintenance;

/// <summary>
/// What the maintenance timer does: plans the walk. From the stored cursor it reads the keys of the next rows (a page of
/// up to 1,000 keys per table request), cuts them into work items of <see cref="MaintenanceOptions.ItemSize"/> rows and
/// queues them; the <c>MaintenanceWork</c> queue trigger processes them on every instance. The cursor advances
/// conditionally after each page's items are queued, so a crash queues a page again (harmless) and never skips one; a run
/// that finds the cursor moved by another yields. It stops at the end of the lap (the next run starts a new one), when
/// <see cref="MaintenanceOptions.QueueDepth"/> items wait, or after the time budget. Then it runs the cleanup.
/// </summary>
public sealed partial class MaintenancePlanner(
    ConnectionStore store,
    MaintenanceCursor cursor,
    MaintenanceBacklog backlog,
    MaintenanceRunner runner,
    IOptions<MaintenanceOptions> options,
    TimeProvider time,
    ILogger<MaintenancePlanner> logger)
{
    public async Task<MaintenanceReport> PlanAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var report = new MaintenanceReport();
        var started = Stopwatch.StartNew();
        var room = settings.QueueDepth - await backlog.ApproximateCountAsync(cancellationToken);
        var position = await cursor.ReadAsync(cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (room <= 0)
            {
                report.QueueFull = true;
                break;
            }

            var (keys, continuation) = await store.ScanKeysAsync(position.ContinuationToken, cancellationToken);
            var items = MaintenanceWorkItem.Cut(keys, settings.ItemSize, time.GetUtcNow());
            await backlog.SendAsync(items, cancellationToken);
            report.ItemsQueued += items.Count;
            report.RowsPlanned += keys.Count;
            report.Pages++;
            room -= items.Count;

            var advanced = await cursor.AdvanceAsync(position, continuation, time.GetUtcNow(), cancellationToken);
            if (advanced is null)
            {
                report.YieldedToOtherRun = true;
                break;
            }

            position = advanced;
            report.LapCompleted = continuation is null;
            if (report.LapCompleted || started.Elapsed >= settings.TimeBudget)
            {
                break;
            }
        }

        await runner.CleanUpAsync(report, cancellationToken);
        report.Duration = started.Elapsed;
        LogPlanned(logger, report.ItemsQueued, report.RowsPlanned, report.Pages, report.LapCompleted, report.QueueFull, report.YieldedToOtherRun,
            report.ExpiredStatesDeleted, report.ExpiredPendingDiscarded, report.AuditRowsDeleted, report.Duration.TotalMilliseconds);
        return report;
    }

    [LoggerMessage(EventId = 8100, Level = LogLevel.Information,
        Message = "Maintenance plan: queued {Items} work items over {Rows} rows in {Pages} pages, lap completed {LapCompleted}, queue full {QueueFull}, " +
                  "yielded {Yielded}, expired states deleted {StatesDeleted}, expired pending connections discarded {PendingDiscarded}, " +
                  "audit rows deleted {AuditDeleted}, duration {DurationMs} ms")]
    private static partial void LogPlanned(ILogger logger, int items, int rows, int pages, bool lapCompleted, bool queueFull, bool yielded,
        int statesDeleted, int pendingDiscarded, int auditDeleted, double durationMs);
}
