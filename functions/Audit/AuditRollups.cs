using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Credentials.Functions.Audit;

/// <summary>
/// Counts repeated audit events (token hand-outs, proxied calls, authorization decisions) in memory: one tally per
/// (caller, user, connection, action, outcome, reason) per <see cref="AuditOptions.RollupWindow"/>, written as one row
/// with a count and the first and last time. A tally's row is written soon after it is first seen (so "who read whose
/// token in which window" is in the table within a flush interval) and again, with the final count, once its window has
/// closed; so the rows written grow with distinct tuples, not with reads. Counting never waits and never allocates a
/// row per event; only a new tuple beyond the capacity of its class is refused, and the request then fails closed.
/// </summary>
public sealed class AuditRollups
{
    /// <summary>How long after a window ends its tallies stay open for hand-outs that were timed just before the end.</summary>
    private static readonly TimeSpan SealGrace = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<RollupKey, Tally> _tallies = new();
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly TimeProvider _time;
    private readonly int[] _capacity;
    private readonly int[] _live = new int[2];

    public AuditRollups(AuditOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Window = options.RollupWindow;
        _capacity = [options.RollupCapacity, options.DecisionRollupCapacity];
        _time = time;
    }

    public TimeSpan Window { get; }

    /// <summary>Tallies held in memory (open windows, and closed ones whose final count is not yet written).</summary>
    public int Count => _tallies.Count;

    /// <summary>
    /// Counts <paramref name="auditEvent"/> into its window's tally. False when the event starts a new tally and its class
    /// (<see cref="RollupClass"/>) is at capacity: the writer is behind, and the request must not go unaudited.
    /// </summary>
    public bool TryCount(AuditEvent auditEvent, RollupClass rollupClass)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var at = auditEvent.OccurredAt;
        while (true)
        {
            var key = new RollupKey(auditEvent.Caller, auditEvent.UserId, auditEvent.ConnectionId, auditEvent.Action, auditEvent.Outcome,
                auditEvent.Reason, WindowOf(at).UtcTicks);
            if (!_tallies.TryGetValue(key, out var tally))
            {
                if (!Reserve(rollupClass))
                {
                    return false;
                }

                var created = new Tally(auditEvent with { OccurredAt = at }, rollupClass, RowKeyOf(key));
                tally = _tallies.GetOrAdd(key, created);
                if (!ReferenceEquals(tally, created))
                {
                    Release(rollupClass);
                }
            }

            if (tally.TryAdd(at))
            {
                return true;
            }

            // Sealed: its window closed while this event was on its way (a pause longer than the grace). It is counted in
            // the window of now, never lost.
            at = _time.GetUtcNow();
        }
    }

    /// <summary>
    /// The rows to write now: every tally never written yet, every closed window's final count, and with
    /// <paramref name="everything"/> (a flush) every count that changed since it was written.
    /// </summary>
    internal List<RollupRow> Collect(bool everything)
    {
        var now = _time.GetUtcNow();
        var rows = new List<RollupRow>();
        foreach (var tally in _tallies.Values)
        {
            var closed = now >= WindowOf(tally.First.OccurredAt) + Window + SealGrace;
            if (closed)
            {
                tally.Seal();
            }

            var count = tally.Current;
            if (count != tally.Written && (closed || everything || tally.Written == 0))
            {
                rows.Add(new RollupRow(tally, count, ToEvent(tally, count)));
            }
            else if (closed && count == tally.Written)
            {
                Forget(tally);
            }
        }

        return rows;
    }

    /// <summary>The row of <paramref name="row"/> is in the table; a closed window's tally is then forgotten.</summary>
    internal void Written(RollupRow row)
    {
        row.Tally.MarkWritten(row.Count);
        if (row.Tally.IsSealed && row.Tally.Current == row.Count)
        {
            Forget(row.Tally);
        }
    }

    /// <summary>Whether every tally's current count is in the table.</summary>
    internal static bool AllWritten(IReadOnlyDictionary<Tally, long> targets) => targets.All(target => target.Key.Written >= target.Value);

    /// <summary>What a flush must wait for: each tally and its count now.</summary>
    internal Dictionary<Tally, long> Targets() => _tallies.Values.ToDictionary(tally => tally, tally => tally.Current);

    /// <summary>The start of the window <paramref name="at"/> falls in (windows are aligned to the Unix epoch).</summary>
    public DateTimeOffset WindowOf(DateTimeOffset at) =>
        new(at.UtcTicks - ((at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % Window.Ticks), TimeSpan.Zero);

    private void Forget(Tally tally)
    {
        var key = new RollupKey(tally.First.Caller, tally.First.UserId, tally.First.ConnectionId, tally.First.Action, tally.First.Outcome,
            tally.First.Reason, WindowOf(tally.First.OccurredAt).UtcTicks);
        if (_tallies.TryRemove(new KeyValuePair<RollupKey, Tally>(key, tally)))
        {
            Release(tally.Class);
        }
    }

    private AuditEvent ToEvent(Tally tally, long count) => tally.First with
    {
        Rollup = new AuditRollup(WindowOf(tally.First.OccurredAt), count, tally.First.OccurredAt, tally.LastAt, tally.RowKey),
    };

    private bool Reserve(RollupClass rollupClass)
    {
        var index = (int)rollupClass;
        if (Interlocked.Increment(ref _live[index]) <= _capacity[index])
        {
            return true;
        }

        Interlocked.Decrement(ref _live[index]);
        return false;
    }

    private void Release(RollupClass rollupClass) => Interlocked.Decrement(ref _live[(int)rollupClass]);

    /// <summary>Newest window first (like event rows), then a stable id of this instance's tuple: its repeated writes replace one row.</summary>
    private string RowKeyOf(RollupKey key)
    {
        var identity = string.Join('\n', _instance, key.Caller, key.UserId, key.ConnectionId ?? string.Empty, key.Action, key.Outcome, key.Reason ?? string.Empty);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 16));
        return string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - key.WindowTicks:D19}-r{hash}");
    }

    private readonly record struct RollupKey(string Caller, string UserId, string? ConnectionId, string Action, string Outcome, string? Reason, long WindowTicks);

    /// <summary>One tuple's count in one window. Lock-free: the hot path is one compare-and-swap on the count.</summary>
    internal sealed class Tally(AuditEvent first, RollupClass rollupClass, string rowKey)
    {
        private const long Sealed = long.MinValue;
        private long _count;
        private long _lastTicks = first.OccurredAt.UtcTicks;
        private long _written;
        private long _final = -1;

        public AuditEvent First { get; } = first;

        public RollupClass Class { get; } = rollupClass;

        public string RowKey { get; } = rowKey;

        public long Current => Volatile.Read(ref _count) is var count && count == Sealed ? Volatile.Read(ref _final) : count;

        public long Written => Interlocked.Read(ref _written);

        public bool IsSealed => Volatile.Read(ref _count) == Sealed;

        public DateTimeOffset LastAt => new(Interlocked.Read(ref _lastTicks), TimeSpan.Zero);

        public bool TryAdd(DateTimeOffset at)
        {
            long count;
            do
            {
                count = Volatile.Read(ref _count);
                if (count == Sealed)
                {
                    return false;
                }
            }
            while (Interlocked.CompareExchange(ref _count, count + 1, count) != count);

            long last;
            while ((last = Interlocked.Read(ref _lastTicks)) < at.UtcTicks && Interlocked.CompareExchange(ref _lastTicks, at.UtcTicks, last) != last)
            {
            }

            return true;
        }

        public void Seal()
        {
            long count;
            do
            {
                count = Volatile.Read(ref _count);
                if (count == Sealed)
                {
                    return;
                }

                Volatile.Write(ref _final, count);
            }
            while (Interlocked.CompareExchange(ref _count, Sealed, count) != count);
        }

        public void MarkWritten(long count)
        {
            long written;
            while ((written = Interlocked.Read(ref _written)) < count && Interlocked.CompareExchange(ref _written, count, written) != written)
            {
            }
        }
    }
}

/// <summary>Which capacity a tally counts against, so that a flood of one kind cannot refuse the other.</summary>
public enum RollupClass
{
    /// <summary>Token hand-outs and proxied calls: what callers came for.</summary>
    Access = 0,

    /// <summary>Authorization decisions (allows of other permissions, and denials).</summary>
    Decision = 1,
}

/// <summary>One tally's row to write: its count at collection time, and the event that carries it.</summary>
internal sealed record RollupRow(AuditRollups.Tally Tally, long Count, AuditEvent Event);
