using Credentials.Functions.Connections;
using Credentials.Functions.Storage;
using Credentials.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.Connections;

public sealed class ConnectionSnapshotsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_read_slower_than_its_patience_is_not_waited_for_while_a_snapshot_is_young_enough()
    {
        var time = new FakeTimeProvider(T0);
        using var snapshots = new ConnectionSnapshots(Options.Create(new StorageOptions()), time);
        var known = Record();
        snapshots.Put(ConnectionKeys.Of("u1", "mail"), known);
        time.Advance(TimeSpan.FromSeconds(3));
        var slowRead = new TaskCompletionSource<ConnectionRecord?>();

        var served = snapshots.GetAsync(ConnectionKeys.Of("u1", "mail"), _ => slowRead.Task);
        await Task.Delay(50);
        Assert.False(served.IsCompleted, "waits up to its patience for a fresh read");
        time.Advance(TimeSpan.FromMilliseconds(250));

        Assert.Same(known, await served.WaitAsync(TimeSpan.FromSeconds(5)));
        slowRead.SetResult(known with { Status = ConnectionStatus.ReauthorizationRequired });
    }

    [Fact]
    public async Task A_snapshot_older_than_the_staleness_bound_never_serves_and_the_read_is_waited_for()
    {
        var time = new FakeTimeProvider(T0);
        using var snapshots = new ConnectionSnapshots(Options.Create(new StorageOptions()), time);
        snapshots.Put(ConnectionKeys.Of("u1", "mail"), Record());
        time.Advance(TimeSpan.FromSeconds(31));
        var slowRead = new TaskCompletionSource<ConnectionRecord?>();

        var served = snapshots.GetAsync(ConnectionKeys.Of("u1", "mail"), _ => slowRead.Task);
        time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(50);
        Assert.False(served.IsCompleted);
        slowRead.SetResult(null);

        Assert.Null(await served.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    private static ConnectionRecord Record() => new()
    {
        UserId = "u1",
        ConnectionId = "mail",
        ProviderId = "sandbox",
        CreatedAt = T0,
        UpdatedAt = T0,
        RefreshTokenEnvelope = [1],
    };
}
