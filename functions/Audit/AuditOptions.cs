namespace Credentials.Functions.Audit;

public enum AuditMode
{
    /// <summary>Events go through a bounded in-process queue and are written in batches (entity-group transactions).</summary>
    Queued,

    /// <summary>Every event is written before the request that caused it continues: one table write per event.</summary>
    Synchronous,
}

public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    public AuditMode Mode { get; set; } = AuditMode.Queued;

    /// <summary>Events held in memory at most; when it is full, requests that must be audited fail closed (503).</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Longest time an event waits in the queue before it is written.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The resolution of rolled-up events (token hand-outs, proxied calls, authorization decisions): one row per
    /// (caller, user, connection, action, outcome, reason) per window, with a count and the first and last time.
    /// </summary>
    public TimeSpan RollupWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Distinct hand-out and proxy tuples held in memory at most; a new one beyond it fails closed (503).</summary>
    public int RollupCapacity { get; set; } = 50_000;

    /// <summary>
    /// Distinct authorization-decision tuples (denials included) held at most, apart from <see cref="RollupCapacity"/>, so
    /// that a flood of denials can never refuse other callers' token reads.
    /// </summary>
    public int DecisionRollupCapacity { get; set; } = 10_000;
}
