using Credentials.Functions.Audit;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.Audit;

public sealed class AuditRollupsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Repeated_events_of_one_tuple_are_one_row_with_an_exact_count_and_new_tuples_are_due_at_once()
    {
        var time = new FakeTimeProvider(Start);
        var rollups = new AuditRollups(new AuditOptions(), time);

        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(rollups.TryCount(Read("svc-a", "u1", "mail", Start.AddMilliseconds(i)), RollupClass.Access));
            Assert.True(rollups.TryCount(Read("svc-b", "u1", "mail", Start.AddMilliseconds(i)), RollupClass.Access));
        }

        var firstSight = rollups.Collect(everything: false);
        Assert.Equal(2, firstSight.Count);
        Assert.All(firstSight, row => Assert.Equal(1_000, row.Event.Rollup!.Count));
        Assert.All(firstSight, row => Assert.Equal(Start.AddMilliseconds(999), row.Event.Rollup!.LastAt));
        firstSight.ForEach(rollups.Written);

        // Written once: more reads in the same open window wait for the window's end (or a flush).
        Assert.True(rollups.TryCount(Read("svc-a", "u1", "mail", Start.AddSeconds(10)), RollupClass.Access));
        Assert.Empty(rollups.Collect(everything: false));
        Assert.Single(rollups.Collect(everything: true));
    }

    [Fact]
    public void A_closed_window_is_written_with_its_final_count_and_then_forgotten()
    {
        var time = new FakeTimeProvider(Start);
        var rollups = new AuditRollups(new AuditOptions { RollupWindow = TimeSpan.FromMinutes(1) }, time);
        rollups.TryCount(Read("svc", "u1", "mail", Start), RollupClass.Access);
        rollups.Collect(everything: false).ForEach(rollups.Written);
        rollups.TryCount(Read("svc", "u1", "mail", Start.AddSeconds(30)), RollupClass.Access);

        time.Advance(TimeSpan.FromSeconds(63));
        var closing = Assert.Single(rollups.Collect(everything: false));
        Assert.Equal(2, closing.Event.Rollup!.Count);
        Assert.Equal(Start, closing.Event.Rollup.WindowStart);
        rollups.Written(closing);

        Assert.Equal(0, rollups.Count);
        // An event timed in the closed window but counted after it was sealed lands in the window of now, not nowhere.
        Assert.True(rollups.TryCount(Read("svc", "u1", "mail", Start.AddSeconds(59)), RollupClass.Access));
        var late = Assert.Single(rollups.Collect(everything: false));
        Assert.Equal(1, late.Event.Rollup!.Count);
    }

    [Fact]
    public void A_row_that_could_not_be_written_stays_due_and_keeps_counting()
    {
        var time = new FakeTimeProvider(Start);
        var rollups = new AuditRollups(new AuditOptions(), time);
        rollups.TryCount(Read("svc", "u1", "mail", Start), RollupClass.Access);

        Assert.Single(rollups.Collect(everything: false));
        rollups.TryCount(Read("svc", "u1", "mail", Start.AddSeconds(1)), RollupClass.Access);
        var retry = Assert.Single(rollups.Collect(everything: false));

        Assert.Equal(2, retry.Event.Rollup!.Count);
    }

    [Fact]
    public void A_flood_of_decisions_fills_its_own_capacity_and_never_refuses_a_hand_out()
    {
        var time = new FakeTimeProvider(Start);
        var rollups = new AuditRollups(new AuditOptions { RollupCapacity = 100, DecisionRollupCapacity = 100 }, time);

        var refused = 0;
        for (var i = 0; i < 500; i++)
        {
            var denial = new AuditEvent("svc-flood", "user-" + i, null, AuditActions.Authorize, "denied", "c", Start, "credentials:read denied");
            refused += rollups.TryCount(denial, RollupClass.Decision) ? 0 : 1;
        }

        Assert.Equal(400, refused);
        Assert.True(rollups.TryCount(Read("svc-good", "u1", "mail", Start), RollupClass.Access));
        // Known tuples keep counting even at capacity: only a new tuple needs room.
        Assert.True(rollups.TryCount(new AuditEvent("svc-flood", "user-0", null, AuditActions.Authorize, "denied", "c", Start, "credentials:read denied"),
            RollupClass.Decision));
    }

    [Fact]
    public void Row_keys_are_stable_per_tuple_and_window_and_sort_newest_window_first()
    {
        var time = new FakeTimeProvider(Start);
        var rollups = new AuditRollups(new AuditOptions(), time);
        rollups.TryCount(Read("svc", "u1", "mail", Start), RollupClass.Access);
        rollups.TryCount(Read("svc", "u1", "mail", Start.AddMinutes(1)), RollupClass.Access);

        var rows = rollups.Collect(everything: true).Select(row => row.Event.Rollup!).OrderBy(r => r.RowKey, StringComparer.Ordinal).ToList();
        rollups.TryCount(Read("svc", "u1", "mail", Start.AddMinutes(1)), RollupClass.Access);
        var again = rollups.Collect(everything: true).Select(row => row.Event.Rollup!).OrderBy(r => r.RowKey, StringComparer.Ordinal).ToList();

        Assert.Equal(Start.AddMinutes(1), rows[0].WindowStart);
        Assert.Equal(Start, rows[1].WindowStart);
        Assert.Equal(rows.Select(r => r.RowKey), again.Select(r => r.RowKey));
    }

    private static AuditEvent Read(string caller, string user, string connection, DateTimeOffset at) =>
        new(caller, user, connection, AuditActions.ReadAccessToken, "served", "corr", at, "authorized:collection_granted");
}
