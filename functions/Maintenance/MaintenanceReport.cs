namespace Credentials.Functions.Maintenance;

/// <summary>What one maintenance run did. Counted concurrently, hence the fields and <see cref="Interlocked"/>.</summary>
public sealed class MaintenanceReport
{
    private int _scanned;
    private int _refreshed;
    private int _failed;
    private int _markedForReauthorization;
    private int _reEncrypted;
    private int _deferred;
    private int _expiringSoon;

    public int Scanned => _scanned;

    public int Refreshed => _refreshed;

    public int Failed => _failed;

    public int MarkedForReauthorization => _markedForReauthorization;

    public int ReEncrypted => _reEncrypted;

    /// <summary>Refreshes left for a later lap because the provider's rate-limit window had only the callers' share left.</summary>
    public int Deferred => _deferred;

    /// <summary><c>expiring_soon</c> events raised (see <see cref="ExpiryNotices"/>).</summary>
    public int ExpiringSoon => _expiringSoon;

    public int Pages { get; set; }

    /// <summary>Pauses the walk took because storage was slow (<see cref="MaintenanceOptions.SlowStoragePerConnection"/>).</summary>
    public int StoragePauses { get; set; }

    public bool LapCompleted { get; set; }

    /// <summary>Another run advanced the cursor first, so this one stopped.</summary>
    public bool YieldedToOtherRun { get; set; }

    /// <summary>Status events found in outbox rows that their instance never got to send, sent now.</summary>
    public int StatusEventsResent { get; set; }

    /// <summary>Work items the timer queued (<see cref="MaintenancePlanner"/>) and the table rows they cover.</summary>
    public int ItemsQueued { get; set; }

    public int RowsPlanned { get; set; }

    /// <summary>The planner stopped because <see cref="MaintenanceOptions.QueueDepth"/> items were waiting or in progress.</summary>
    public bool QueueFull { get; set; }

    public int ExpiredStatesDeleted { get; set; }

    /// <summary>Pending connections whose users never completed them, discarded and revoked at the provider.</summary>
    public int ExpiredPendingDiscarded { get; set; }

    public int AuditRowsDeleted { get; set; }

    public TimeSpan Duration { get; set; }

    internal void CountScanned() => Interlocked.Increment(ref _scanned);

    internal void CountRefreshed() => Interlocked.Increment(ref _refreshed);

    internal void CountFailed() => Interlocked.Increment(ref _failed);

    internal void CountMarkedForReauthorization() => Interlocked.Increment(ref _markedForReauthorization);

    internal void CountReEncrypted() => Interlocked.Increment(ref _reEncrypted);

    internal void CountDeferred() => Interlocked.Increment(ref _deferred);

    internal void CountExpiringSoon() => Interlocked.Increment(ref _expiringSoon);
}
