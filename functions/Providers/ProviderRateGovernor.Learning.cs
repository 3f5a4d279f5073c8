namespace Credentials.Functions.Providers;

/// <summary>How a provider's answer changes the shared row, and this instance's copy of it.</summary>
public sealed partial class ProviderRateGovernor
{
    /// <summary>The shared row after <paramref name="seen"/>; null when it tells nothing the row does not say already.</summary>
    private SharedLimit? Learn(SharedLimit? row, RateLimitObservation seen, DateTimeOffset now)
    {
        var next = row ?? new SharedLimit(null, null, 0, null, null, null);
        var changed = false;
        if (seen.BlockedFor is { } wait && now + wait > (next.BlockedUntil ?? DateTimeOffset.MinValue) + WindowGuard)
        {
            next = next with { BlockedUntil = now + wait };
            changed = true;
        }

        if (seen is { Window: true, Limit: { } limit, Remaining: { } remaining, Reset: { } reset })
        {
            var end = now + reset + WindowGuard;
            var budget = remaining - Reserve(limit);
            var seconds = Math.Max(next.WindowSeconds, (int)Math.Ceiling(reset.TotalSeconds));
            if (next.Limit != limit || next.WindowEndsAt is not { } shared || shared <= now)
            {
                next = next with { Limit = limit, WindowEndsAt = end, WindowSeconds = seconds, Budget = budget };
                changed = true;
            }
            else if ((shared - end).Duration() > WindowTolerance)
            {
                next = next with { WindowEndsAt = end, WindowSeconds = seconds, Budget = Math.Min(next.Budget ?? budget, budget) };
                changed = true;
            }
            else if (budget < next.Budget)
            {
                next = next with { Budget = budget };
                changed = true;
            }
        }

        return changed ? next : null;
    }

    private int Reserve(int limit) => Math.Max(1, (int)Math.Ceiling(limit * options.Value.ReservePercent / 100.0));

    private int CallersShare(int limit) => (int)Math.Ceiling(limit * options.Value.ReservedForCallersPercent / 100.0);

    /// <summary>This instance's copy of a bucket's shared row, and the part of its last claim not spent yet.</summary>
    private sealed class Bucket
    {
        public SharedLimit? Shared { get; private set; }

        public DateTimeOffset? ReadAt { get; private set; }

        public int Slice { get; set; }

        public DateTimeOffset? SliceWindowEndsAt { get; set; }

        public DateTimeOffset? SpentLoggedFor { get; set; }

        /// <summary>Taken while a decision reads the copy and spends from the slice.</summary>
        public object Gate { get; } = new();

        public void Merge(SharedLimit? row, DateTimeOffset now)
        {
            lock (Gate)
            {
                Shared = row;
                ReadAt = now;
            }
        }
    }
}
