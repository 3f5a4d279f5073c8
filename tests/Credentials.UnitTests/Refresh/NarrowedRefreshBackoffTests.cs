using Credentials.Functions.Connections;
using Credentials.Functions.Refresh;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Refresh;

/// <summary>A narrower token's scope set cools down on its own after the provider failed it, as a connection would.</summary>
public sealed class NarrowedRefreshBackoffTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Failures_double_the_cooldown_of_that_scope_set_only_and_a_success_clears_it()
    {
        using var backoff = new NarrowedRefreshBackoff(Options.Create(new RefreshOptions { FirstCooldown = TimeSpan.FromSeconds(5) }));
        var connection = Key("files");
        var read = ScopeSet.Of("files.read");

        Assert.Equal(TimeSpan.FromSeconds(5), backoff.Failed(connection, read, "provider_error", null, Now));
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Failed(connection, read, "provider_error", null, Now));
        Assert.Equal(TimeSpan.FromSeconds(40), backoff.Failed(connection, read, "rate_limited", TimeSpan.FromSeconds(40), Now));

        Assert.Equal((TimeSpan.FromSeconds(30), "rate_limited"), backoff.CoolingDown(connection, read, Now.AddSeconds(10)));
        Assert.Null(backoff.CoolingDown(connection, read, Now.AddSeconds(40)));
        Assert.Null(backoff.CoolingDown(connection, ScopeSet.Of("files.write"), Now));
        Assert.Null(backoff.CoolingDown(Key("mail"), read, Now));

        backoff.Succeeded(connection, read);
        Assert.Null(backoff.CoolingDown(connection, read, Now));
        Assert.Equal(TimeSpan.FromSeconds(5), backoff.Failed(connection, read, "provider_error", null, Now));
    }

    private static ConnectionKey Key(string connectionId) =>
        ConnectionKey.TryCreate("u1", connectionId, out var key) ? key : throw new ArgumentException(connectionId, nameof(connectionId));
}
