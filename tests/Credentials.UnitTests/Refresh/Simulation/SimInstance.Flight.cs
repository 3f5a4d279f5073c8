using System.Text;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Resilience;
using Credentials.Functions.Refresh;

namespace Credentials.Tests.Refresh.Simulation;

/// <summary>The flight: lease rounds, the provider call and what its answer leaves in the store.</summary>
internal sealed partial class SimInstance
{
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
        var takeover = record.LeaseOwner is { } previous && previous != owner;
        store.Replace(takeover ? record.TakenOverBy(owner, now, lease.ExpiresAt) : record.LeasedTo(owner, now, lease.ExpiresAt), Guard<WriteStatus?, ConnectionRecord?>((status, leased) =>
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

            if (!world.Mutation.HasFlag(SimMutation.PresentLate) && !MayTakeOver(record, owner, duration, world.Now))
            {
                // RefreshEngine: the lease write landed too late to present inside the grace; the lease stays, silent.
                world.Note($"{owner} took the lease too late to present inside the grace; ends without calling the provider");
                Finish(null);
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
}
