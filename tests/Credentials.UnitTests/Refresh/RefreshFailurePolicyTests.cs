using Credentials.Functions.Connections;
using Credentials.Functions.Refresh;

namespace Credentials.Tests.Refresh;

public sealed class RefreshFailurePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly RefreshOptions Options = new()
    {
        FirstCooldown = TimeSpan.FromSeconds(5),
        MaxCooldown = TimeSpan.FromMinutes(15),
        FailuresBeforeRefreshFailing = 3,
        GiveUpAfter = TimeSpan.FromDays(4),
    };

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(9, 900)]
    [InlineData(40, 900)]
    public void The_cooldown_doubles_up_to_the_cap(int failuresBefore, int expectedSeconds)
    {
        var assessed = RefreshFailurePolicy.Assess(Options, Record(failuresBefore), null, Now);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), assessed.Cooldown);
        Assert.Equal(failuresBefore + 1, assessed.Failures);
    }

    [Fact]
    public void A_longer_Retry_After_wins_within_the_cap()
    {
        Assert.Equal(TimeSpan.FromMinutes(2), RefreshFailurePolicy.Assess(Options, Record(0), TimeSpan.FromMinutes(2), Now).Cooldown);
        Assert.Equal(TimeSpan.FromMinutes(15), RefreshFailurePolicy.Assess(Options, Record(0), TimeSpan.FromHours(2), Now).Cooldown);
        Assert.Equal(TimeSpan.FromSeconds(5), RefreshFailurePolicy.Assess(Options, Record(0), TimeSpan.FromSeconds(1), Now).Cooldown);
    }

    [Fact]
    public void The_status_turns_failing_after_the_threshold_and_needs_the_user_after_giving_up()
    {
        Assert.Equal(ConnectionStatus.Active, RefreshFailurePolicy.Assess(Options, Record(1), null, Now).Status);
        Assert.Equal(ConnectionStatus.RefreshFailing, RefreshFailurePolicy.Assess(Options, Record(2), null, Now).Status);
        Assert.Equal(ConnectionStatus.ReauthorizationRequired,
            RefreshFailurePolicy.Assess(Options, Record(2) with { FailingSince = Now - TimeSpan.FromDays(4) }, null, Now).Status);
    }

    [Fact]
    public void The_first_failure_starts_the_failing_run_now()
    {
        Assert.Equal(Now, RefreshFailurePolicy.Assess(Options, Record(0), null, Now).FailingSince);
        Assert.Equal(Now.AddHours(-2), RefreshFailurePolicy.Assess(Options, Record(1) with { FailingSince = Now.AddHours(-2) }, null, Now).FailingSince);
    }

    private static ConnectionRecord Record(int consecutiveFailures) => new()
    {
        UserId = "user-1",
        ConnectionId = "github",
        ProviderId = "github",
        CreatedAt = Now.AddDays(-1),
        UpdatedAt = Now.AddDays(-1),
        ConsecutiveFailures = consecutiveFailures,
        RefreshTokenEnvelope = [1],
    };
}
