namespace Credentials.Functions.Maintenance;

public sealed class MaintenanceOptions
{
    public const string SectionName = "Maintenance";

    /// <summary>Six-field cron schedule of the timer (read by the Functions host as <c>%Maintenance:Schedule%</c>).</summary>
    public string Schedule { get; set; } = "0 */15 * * * *";

    public int PageSize { get; set; } = 100;

    /// <summary>
    /// Rows (connections and outbox rows) in one work item the timer queues; an instance reads its item in pages of
    /// <see cref="PageSize"/>.
    /// </summary>
    public int ItemSize { get; set; } = 500;

    /// <summary>
    /// The timer plans no further than this many work items waiting or in progress on the queue: a backlog is
    /// drained before more of the lap is planned, so an item is never older than the time to drain this many.
    /// </summary>
    public int QueueDepth { get; set; } = 2000;

    /// <summary>Connections processed at once; keeps provider and storage load bounded.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>No new page is started after this; well inside the Functions timeout, so a run always ends on its own.</summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>
    /// When one page of the walk (its scan and its connections) takes longer than this per connection on average,
    /// storage is struggling: the walk pauses as long as the page took before the next one, leaving storage to the
    /// requests that serve callers.
    /// </summary>
    public TimeSpan SlowStoragePerConnection { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A recently used connection is refreshed ahead of time when its access token expires within this.</summary>
    public TimeSpan ExpiringWithin { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How recent a hand-out must be for <see cref="ExpiringWithin"/> to apply.</summary>
    public TimeSpan RecentlyUsedWithin { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long before a provider ends a grant (its refresh-token lifetime) <c>expiring_soon</c> is raised.</summary>
    public TimeSpan ExpiryNotice { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Audit days older than this are deleted.</summary>
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(365);
}
