// Over 250 lines: one instance's model of the engine (flight, lease, heartbeat, persist) reads best as one unit.
using System.Text;
using Credentials.Functions.Connections;
using Credentials.Functions.Hosting.Resilience;
using Credentials.Functions.Refresh;

namespace Credentials.Tests.Refresh.Simulation;

/// <summary>
/// One instance of the service, modelled step by step on RefreshEngine, RefreshLease and RefreshOutcomeStore: the
/// decisions are the production ones (<see cref="RefreshLease.MayTakeOver"/>, <see cref="RefreshLease.For"/>,
/// <see cref="TokenFreshness.Satisfies"/>, <see cref="RefreshFailurePolicy.Assess"/>, the record's transitions,
/// <see cref="Backoff.Delay"/>), the flow between awaits is a continuation per await. A crash drops every continuation
/// of the instance (its epoch changes) and the restart has empty memory; writes already sent still land.
/// </summary>
internal sealed class SimInstance(SimWorld world, SimTableStore store, SimProvider provider, RefreshOptions options, TimeSpan? grace, TimeSpan minValidity,
    string id)
{
    private const int MaxRounds = 8;
    private const int GiveUpAfterAttempts = 5;
    private static readonly TimeSpan LeasePollInterval = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan MaxPersistBackoff = TimeSpan.FromSeconds(5);
    private readonly List<Lease> _leases = [];
    private List<Action<ConnectionRecord?>>? _waiting;
    private DateTimeOffset? _lastMarked;
    private int _epoch;
    private int _flights;
    private bool _down;

    /// <summary>The last time this instance handed out an access token (liveness).</summary>
    public DateTimeOffset? LastServedAt { get; private set; }

    public void StartReading() => world.After(world.Between(TimeSpan.Zero, TimeSpan.FromSeconds(5)), Guard(Read));

    public void Crash()
    {
        world.Note($"{id} crashed");
        _epoch++;
        _down = true;
        foreach (var lease in _leases)
        {
            lease.Stopped = true;
            if (lease.Unstored is { } successor && !Holds(store.Row, successor))
            {
                provider.SuccessorLost(successor);
            }
        }

        _leases.Clear();
        _waiting = null;
        _lastMarked = null;
    }

    public void Restart()
    {
        _down = false;
        StartReading();
    }

    private Action Guard(Action action)
    {
        var epoch = _epoch;
        return () =>
        {
            if (epoch == _epoch && !_down)
            {
                action();
            }
        };
    }

    private Action<T1, T2> Guard<T1, T2>(Action<T1, T2> action)
    {
        var epoch = _epoch;
        return (a, b) =>
        {
            if (epoch == _epoch && !_down)
            {
                action(a, b);
            }
        };
    }

    private Action<T> Guard<T>(Action<T> action)
    {
        var epoch = _epoch;
        return a =>
        {
            if (epoch == _epoch && !_down)
            {
                action(a);
            }
        };
    }

    private static string Token(byte[]? envelope) => envelope is null ? "" : Encoding.UTF8.GetString(envelope);

    private static bool Holds(ConnectionRecord? record, string refreshToken) => record is not null && Token(record.RefreshTokenEnvelope) == refreshToken;

    // ---- serving: a read, its flight, and the fallback to the previous token ----
    private void Read()
    {
        world.After(world.Between(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20)), Guard(Read));
        store.Get(Guard<ConnectionRecord?, bool>((record, failed) =>
        {
            if (failed || record is null || record.Status == ConnectionStatus.ReauthorizationRequired)
            {
                return;
            }

            if (TokenFreshness.Satisfies(record, minValidity, world.Now))
            {
                HandOut(record);
                return;
            }

            var answered = false;
            void Answer(ConnectionRecord? refreshed)
            {
                if (answered)
                {
                    return;
                }

                answered = true;
                if (refreshed is not null && TokenFreshness.Satisfies(refreshed, minValidity, world.Now))
                {
                    HandOut(refreshed);
                }
                else if (record.AccessTokenExpiresAt is { } expires && expires - world.Now >= TimeSpan.FromSeconds(2))
                {
                    HandOut(record);
                }
            }

            world.After(options.ReadTimeout, Guard(() => Answer(null)));
            if (_waiting is { } joined)
            {
                joined.Add(Answer);
                return;
            }

            _waiting = [Answer];
            Round(0, $"{id}/{++_flights}", record);
        }));
    }

    private void HandOut(ConnectionRecord record)
    {
        var access = Token(record.AccessTokenEnvelope);
        if (!provider.IsLive(access))
        {
            world.Fail(3, $"{id} handed out access token {access}, which the provider does not hold live (expires {record.AccessTokenExpiresAt:O}, grant revoked: {provider.Revoked})");
        }

        LastServedAt = world.Now;
        // AccessTokenService: LastUsedAt is marked when 15 minutes old, at most once a minute per instance (an unconditional merge).
        if ((record.LastUsedAt is not { } used || world.Now - used >= TimeSpan.FromMinutes(15))
            && (_lastMarked is not { } marked || world.Now - marked >= TimeSpan.FromMinutes(1)))
        {
            _lastMarked = world.Now;
            store.Touch(world.Now);
        }
    }

    private void Finish(ConnectionRecord? record)
    {
        var waiting = _waiting;
        _waiting = null;
        foreach (var answer in waiting ?? [])
        {
            answer(record);
        }
    }

    // ---- RefreshEngine.RefreshCoreAsync: one round per re-read ----
    private void Round(int round, string owner, ConnectionRecord? known)
    {
        if (round >= MaxRounds)
        {
            Finish(null);
            return;
        }

        if (known is not null)
        {
            Decide(round, owner, known);
            return;
        }

        store.Get(Guard<ConnectionRecord?, bool>((record, failed) =>
        {
            if (failed || record is null)
            {
                Finish(null);
                return;
            }

            Decide(round, owner, record);
        }));
    }

    private void Decide(int round, string owner, ConnectionRecord record)
    {
        var now = world.Now;
        if (record.Status == ConnectionStatus.ReauthorizationRequired || TokenFreshness.Satisfies(record, minValidity, now)
            || record.NextRefreshAllowedAt is { } allowedAt && allowedAt > now)
        {
            Finish(record);
            return;
        }

        var duration = RefreshLease.For(options.LeaseDuration, grace);
        if (!MayTakeOver(record, owner, duration, now))
        {
            WaitForLease(record, owner, duration, () => Round(round + 1, owner, null));
            return;
        }

        var lease = new Lease(owner, now, duration, grace is not null);
        store.Replace(record.LeasedTo(owner, now, lease.ExpiresAt), Guard<WriteStatus?, ConnectionRecord?>((status, leased) =>
        {
            if (status is null)
            {
                Finish(null); // the engine throws: storage_unavailable; a lease that landed anyway expires
                return;
            }

            if (status != WriteStatus.Written)
            {
                Round(round + 1, owner, null);
                return;
            }

            world.Note($"{owner} took the lease (record {record.LeaseOwner ?? "free"}, taken {record.LeaseTakenAt:HH:mm:ss.fff}, renewed {record.LeaseRenewedAt:HH:mm:ss.fff}); presents {Token(leased!.RefreshTokenEnvelope)}");
            lease.Current = leased;
            _leases.Add(lease);
            Heartbeat(lease);
            var used = Token(leased!.RefreshTokenEnvelope);
            CallProvider(lease, used, attempt: 0, then: answer => Outcome(round, lease, leased, used, answer));
        }));
    }

    private bool MayTakeOver(ConnectionRecord record, string owner, TimeSpan duration, DateTimeOffset now) =>
        world.Mutation.HasFlag(SimMutation.TakeOverExpired)
            ? record.LeaseOwner is null || record.LeaseOwner == owner || record.LeaseExpiresAt is not { } expires || expires <= now
            : RefreshLease.MayTakeOver(record, owner, grace, duration, options.AbandonedLeaseTimeout, now);

    private void WaitForLease(ConnectionRecord leasedByOther, string owner, TimeSpan duration, Action then) =>
        world.After(LeasePollInterval, Guard(() => store.Get(Guard<ConnectionRecord?, bool>((current, failed) =>
        {
            if (failed)
            {
                Finish(null);
                return;
            }

            if (current is null || current.ETag != leasedByOther.ETag || MayTakeOver(current, owner, duration, world.Now))
            {
                then();
                return;
            }

            WaitForLease(leasedByOther, owner, duration, then);
        }))));

    // ---- ProviderRefresher: retries an unavailable provider within half a lease ----
    private void CallProvider(Lease lease, string used, int attempt, Action<SimAnswer> then)
    {
        var deadline = world.Now + (lease.Duration / 2);
        var epoch = _epoch;
        provider.Refresh(used, lease.Owner, deadline, answer =>
        {
            if (epoch != _epoch || _down)
            {
                // The instance crashed while the provider rotated: the successor reached a process that no longer exists.
                if (answer is { Kind: SimAnswerKind.Granted, RefreshToken: { } lost } && lost != used)
                {
                    provider.SuccessorLost(lost);
                }

                return;
            }

            if (answer.Kind == SimAnswerKind.Unavailable && attempt < options.MaxProviderRetries)
            {
                var delay = options.ProviderRetryDelay * (1 << attempt);
                delay = answer.RetryAfter is { } retryAfter && retryAfter > delay ? retryAfter : delay;
                if (world.Now + delay < deadline)
                {
                    world.After(delay, Guard(() => CallProvider(lease, used, attempt + 1, then)));
                    return;
                }
            }

            then(answer);
        });
    }

    private void Outcome(int round, Lease lease, ConnectionRecord leased, string used, SimAnswer answer)
    {
        world.Note($"{lease.Owner} got {answer.Kind} {answer.RefreshToken}");
        var now = world.Now;
        void Ended(ConnectionRecord? result, bool startOver)
        {
            lease.Stopped = true;
            _leases.Remove(lease);
            if (startOver)
            {
                Round(round + 1, lease.Owner, null);
            }
            else
            {
                Finish(result);
            }
        }

        if (answer.Kind == SimAnswerKind.Granted)
        {
            var received = answer.RefreshToken!;
            lease.Unstored = received == used ? null : received;
            Persist(lease, used, received, basis => basis.Refreshed(now, null) with
            {
                RefreshTokenEnvelope = Encoding.UTF8.GetBytes(received),
                AccessTokenEnvelope = Encoding.UTF8.GetBytes(answer.AccessToken!),
                AccessTokenExpiresAt = answer.ExpiresAt,
                AccessTokenType = "Bearer",
            }, 1, (status, written) => Ended(written, status == PersistStatus.Superseded));
            return;
        }

        if (answer.Kind == SimAnswerKind.InvalidGrant)
        {
            store.Get(Guard<ConnectionRecord?, bool>((current, failed) =>
            {
                if (failed || current is null || !Holds(current, used))
                {
                    Ended(null, startOver: !failed && current is not null);
                    return;
                }

                lease.Current = current;
                Persist(lease, used, null, basis => basis.GrantLost(now, "invalid_grant"), 1,
                    (status, written) => Ended(written, status == PersistStatus.Superseded));
            }));
            return;
        }

        var assessed = RefreshFailurePolicy.Assess(options, leased, answer.RetryAfter, now);
        Persist(lease, used, null, basis => basis.RefreshFailed(now, "provider_unavailable", assessed.Status, assessed.Failures, assessed.FailingSince,
            now + assessed.Cooldown), 1, (status, written) => Ended(written, status == PersistStatus.Superseded));
    }

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

        Turn(lease, release => store.Replace(apply(lease.Current!), Guard<WriteStatus?, ConnectionRecord?>((status, written) =>
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
                    : !Holds(current, used) ? PersistStatus.Superseded
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
        })));
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
