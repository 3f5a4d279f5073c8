using System.Text;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Resilience;
using Credentials.Functions.Refresh;

namespace Credentials.Tests.Refresh.Simulation;

/// <summary>Storing an outcome under the lease, and the heartbeat that takes turns with it.</summary>
internal sealed partial class SimInstance
{
    // ---- RefreshOutcomeStore.PersistAsync: conditional, retried while the process lives ----
    private void Persist(Lease lease, string used, string? received, Func<ConnectionRecord, ConnectionRecord> apply, int attempt,
        Action<PersistStatus?, ConnectionRecord?> done)
    {
        void Retry(Action release)
        {
            release();
            if (world.Mutation.HasFlag(SimMutation.PersistGivesUp) && (attempt >= GiveUpAfterAttempts || world.Now >= lease.LeasedAt + lease.Duration))
            {
                done(null, null); // the old design: the flight gives up, a rotated token exists nowhere any more
                return;
            }

            world.After(Backoff.Delay(attempt + 1, MaxPersistBackoff), Guard(() => Persist(lease, used, received, apply, attempt + 1, done)));
        }

        ConnectionRecord Next(ConnectionRecord basis) => received is null && !world.Mutation.HasFlag(SimMutation.ReleaseTakenOver)
            ? apply(basis).KeepingTakenOverLease(basis, lease.LeasedAt)
            : apply(basis);

        Turn(lease, release =>
        {
            if (received is null && lease.Current!.LeaseOwner is { } holder && holder != lease.Owner)
            {
                release();
                done(PersistStatus.Superseded, null);
                return;
            }

            Write(release);
        });

        void Write(Action release) => store.Replace(Next(lease.Current!), Guard<WriteStatus?, ConnectionRecord?>((status, written) =>
        {
            if (world.Mutation.HasFlag(SimMutation.PersistGivesUp) && world.Now >= lease.LeasedAt + lease.Duration)
            {
                status = null; // the old design cancelled a write at the end of its lease budget, landed or not
            }

            world.Note($"{lease.Owner} persist attempt {attempt}: {status?.ToString() ?? "failed"}");
            if (status is null)
            {
                Retry(release);
                return;
            }

            if (status == WriteStatus.Written)
            {
                lease.Current = written;
                lease.Unstored = null;
                release();
                done(PersistStatus.Written, written);
                return;
            }

            store.Get(Guard<ConnectionRecord?, bool>((current, failed) =>
            {
                if (failed)
                {
                    Retry(release);
                    return;
                }

                if (current is not null)
                {
                    lease.Current = current;
                }

                PersistStatus? final = current is null ? PersistStatus.Deleted
                    : received is not null && Holds(current, received) ? PersistStatus.Written
                    : !Holds(current, used) || (received is null && current.LeaseOwner is { } other && other != lease.Owner) ? PersistStatus.Superseded
                    : null;
                if (final is null)
                {
                    release();
                    Persist(lease, used, received, apply, attempt + 1, done);
                    return;
                }

                if (final == PersistStatus.Written)
                {
                    lease.Unstored = null;
                }

                release();
                done(final, current);
            }));
        }));
    }

    // ---- RefreshLease: the heartbeat and the turn it shares with the flight's writes ----
    private void Heartbeat(Lease lease) => world.After(lease.Duration / 3, Guard(() =>
    {
        if (lease.Stopped)
        {
            return;
        }

        Turn(lease, release =>
        {
            var now = world.Now;
            if (lease.Stopped || lease.Current is not { } current || current.LeaseOwner != lease.Owner || lease.RenewedExpiry(now) is not { } expiry)
            {
                release();
                return;
            }

            store.Replace(current.LeaseRenewed(now, expiry), Guard<WriteStatus?, ConnectionRecord?>((status, renewed) =>
            {
                world.Note($"{lease.Owner} heartbeat: {status?.ToString() ?? "failed"}");
                if (status == WriteStatus.Written)
                {
                    lease.Current = renewed;
                    lease.ExpiresAt = expiry;
                    release();
                    Heartbeat(lease);
                    return;
                }

                if (status is null)
                {
                    release();
                    Heartbeat(lease);
                    return;
                }

                store.Get(Guard<ConnectionRecord?, bool>((reread, failed) =>
                {
                    if (!failed && reread is null)
                    {
                        release();
                        return;
                    }

                    if (reread is not null)
                    {
                        lease.Current = reread;
                    }

                    release();
                    Heartbeat(lease);
                }));
            }));
        });
    }));

    private void Turn(Lease lease, Action<Action> body)
    {
        if (lease.Busy)
        {
            lease.Queue.Enqueue(body);
            return;
        }

        lease.Busy = true;
        body(Guard(() =>
        {
            lease.Busy = false;
            if (lease.Queue.TryDequeue(out var next))
            {
                Turn(lease, next);
            }
        }));
    }
}
