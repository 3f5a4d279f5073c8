using System.Globalization;
using Credentials.Functions.Connections;

namespace Credentials.Tests.Refresh.Simulation;

/// <summary>How the simulated Table behaves while faults are active (afterwards every call is quick and answered).</summary>
internal sealed record SimStoreFaults(double Unavailable, double TimedOut, double Ambiguous, double Slow, TimeSpan SlowMin, TimeSpan SlowMax)
{
    public static readonly SimStoreFaults None = new(0, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero);
}

/// <summary>
/// One connection row as Azure Table keeps it: every write is conditional on the ETag (412 → <see cref="WriteStatus.Conflict"/>)
/// and lands atomically at a drawn instant. A write may fail with 503 (nothing landed), time out (nothing landed), or be
/// ambiguous: it lands but its answer is lost, so the client sees a timeout and its retry meets 412 against its own write.
/// Latency is drawn per call, including writes slower than the lease.
/// </summary>
internal sealed class SimTableStore(SimWorld world, SimStoreFaults faults)
{
    private static readonly TimeSpan FastMin = TimeSpan.FromMilliseconds(3);
    private static readonly TimeSpan FastMax = TimeSpan.FromMilliseconds(60);
    private long _etag;

    public ConnectionRecord? Row { get; private set; }

    /// <summary>Called whenever a write lands (invariant 2 looks at every stored status).</summary>
    public Action<ConnectionRecord>? Landed { get; set; }

    public void Seed(ConnectionRecord record) => Row = record with { ETag = NextETag() };

    /// <summary>A point read: <paramref name="done"/>(record, failed).</summary>
    public void Get(Action<ConnectionRecord?, bool> done)
    {
        var latency = Latency();
        var fails = world.FaultsActive && world.Chance(faults.Unavailable + faults.TimedOut);
        world.After(latency, () => done(fails ? null : Row, fails));
    }

    /// <summary>A conditional replace: <paramref name="done"/>(status, stored copy); a null status is a 503, a timeout or a lost answer.</summary>
    public void Replace(ConnectionRecord next, Action<WriteStatus?, ConnectionRecord?> done)
    {
        var latency = Latency();
        var active = world.FaultsActive;
        var draw = active ? world.Random.NextDouble() : 1;
        if (draw < faults.Unavailable + faults.TimedOut)
        {
            world.After(latency, () => done(null, null));
            return;
        }

        var ambiguous = draw < faults.Unavailable + faults.TimedOut + faults.Ambiguous;
        world.After(latency, () =>
        {
            var (status, stored) = Apply(next);
            var answer = world.Between(FastMin, FastMax);
            world.After(answer, () =>
            {
                if (ambiguous)
                {
                    done(null, null);
                }
                else
                {
                    done(status, stored);
                }
            });
        });
    }

    /// <summary>A reader's LastUsedAt mark: an unconditional merge, so it changes the ETag under everyone's feet.</summary>
    public void Touch(DateTimeOffset at) => world.After(Latency(), () =>
    {
        if (Row is { } row)
        {
            Row = row with { LastUsedAt = at, ETag = NextETag() };
        }
    });

    private (WriteStatus Status, ConnectionRecord? Stored) Apply(ConnectionRecord next)
    {
        if (Row is null)
        {
            return (WriteStatus.NotFound, null);
        }

        if (next.ETag != Row.ETag)
        {
            return (WriteStatus.Conflict, null);
        }

        Row = next with { ETag = NextETag() };
        Landed?.Invoke(Row);
        return (WriteStatus.Written, Row);
    }

    private TimeSpan Latency() =>
        world.FaultsActive && world.Chance(faults.Slow) ? world.Between(faults.SlowMin, faults.SlowMax) : world.Between(FastMin, FastMax);

    private string NextETag() => (++_etag).ToString(CultureInfo.InvariantCulture);
}
