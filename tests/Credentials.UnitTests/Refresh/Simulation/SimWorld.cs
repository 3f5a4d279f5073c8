namespace Credentials.Tests.Refresh.Simulation;

/// <summary>The overload issue's safeguards, mutated back one at a time, to show that the checker can fail.</summary>
[Flags]
internal enum SimMutation
{
    None = 0,

    /// <summary>
    /// Storing a refresh outcome is given up after 5 attempts or at the end of the lease's first term, whichever comes
    /// first, and a write answered after that is treated as failed (the old design), instead of retried while the process lives.
    /// </summary>
    PersistGivesUp = 1,

    /// <summary>An expired lease is taken over at once, without waiting for the holder's silence (the old takeover rule).</summary>
    TakeOverExpired = 2,

    /// <summary>A flight that took over inside the reuse grace presents the old token however late its lease write landed.</summary>
    PresentLate = 4,

    /// <summary>A failed refresh under a lease taken over releases it, forgetting the chain's first start.</summary>
    ReleaseTakenOver = 8,
}

/// <summary>
/// One seeded schedule: the simulated clock, the event queue and the invariant log. Everything runs on the caller's
/// thread: an event is an action due at a simulated instant; ties are broken by a seeded draw, so the seed alone
/// decides which ready continuation runs next and the whole run replays exactly.
/// </summary>
internal sealed class SimWorld
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly PriorityQueue<Action, (DateTimeOffset At, int Tie, long Seq)> _queue = new();
    private long _seq;

    public SimWorld(int seed, SimMutation mutation)
    {
        Seed = seed;
        Mutation = mutation;
        Random = new Random(seed);
        Now = Start;
    }

    public int Seed { get; }

    public SimMutation Mutation { get; }

    public Random Random { get; }

    public DateTimeOffset Now { get; private set; }

    /// <summary>Events run so far; a violation names the step it was found at.</summary>
    public long Step { get; private set; }

    /// <summary>Until this instant the store, the provider and the instances may fail; afterwards they do not.</summary>
    public DateTimeOffset FaultsUntil { get; set; } = Start;

    /// <summary>No fault at all in this schedule: the only one where invariant 5 (one refresh per window) applies.</summary>
    public bool FaultFree { get; set; }

    public bool FaultsActive => !FaultFree && Now < FaultsUntil;

    public string? Violation { get; private set; }

    /// <summary>When set (a replay), every notable step is written here.</summary>
    public List<string>? Trace { get; set; }

    public void Note(string what) =>
        Trace?.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"step {Step,6} t={(Now - Start).TotalSeconds,9:F3} {what}"));

    public int ViolatedInvariant { get; private set; }

    public void After(TimeSpan delay, Action action) =>
        _queue.Enqueue(action, (Now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay), Random.Next(), _seq++));

    public bool Chance(double probability) => probability > 0 && Random.NextDouble() < probability;

    public TimeSpan Between(TimeSpan min, TimeSpan max) => min + ((max - min) * Random.NextDouble());

    /// <summary>Runs events until <paramref name="end"/>, stopping at the first violation.</summary>
    public void RunUntil(DateTimeOffset end)
    {
        while (Violation is null && _queue.TryPeek(out _, out var due) && due.At <= end)
        {
            var action = _queue.Dequeue();
            Now = due.At;
            Step++;
            action();
        }

        if (Violation is null)
        {
            Now = end;
        }
    }

    public void Fail(int invariant, string what)
    {
        if (Violation is not null)
        {
            return;
        }

        ViolatedInvariant = invariant;
        Violation = $"invariant {invariant} violated: seed {Seed}, step {Step}, t = {(Now - Start).TotalSeconds:F3} s, mutation {Mutation}: {what}. "
            + $"Replay: {ReplayCommand(Seed, Mutation)}";
    }

    public static string ReplayCommand(int seed, SimMutation mutation) =>
        $"SIM_SEED={seed} SIM_MUTATION={mutation.ToString().Replace(", ", ",", StringComparison.Ordinal)} "
        + "dotnet test tests/Credentials.UnitTests -c Release --filter FullyQualifiedName~RefreshSimulationTests.Replay_a_seed --logger \"console;verbosity=detailed\"";
}
