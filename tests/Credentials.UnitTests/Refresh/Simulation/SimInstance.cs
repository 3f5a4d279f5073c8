using System.Text;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Resilience;
using Credentials.Functions.Refresh;

namespace Credentials.Tests.Refresh.Simulation;

/// <summary>
/// One instance of the service, modelled step by step on RefreshEngine, RefreshLease and RefreshOutcomeStore: the
/// decisions are the production ones (<see cref="RefreshLease.MayTakeOver"/>, <see cref="RefreshLease.For"/>,
/// <see cref="TokenFreshness.Satisfies"/>, <see cref="RefreshFailurePolicy.Assess"/>, the record's transitions,
/// <see cref="Backoff.Delay"/>), the flow between awaits is a continuation per await. A crash drops every continuation
/// of the instance (its epoch changes) and the restart has empty memory; writes already sent still land.
/// </summary>
internal sealed partial class SimInstance(SimWorld world, SimTableStore store, SimProvider provider, RefreshOptions options, TimeSpan? grace, TimeSpan minValidity,
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

}
