using Credentials.Functions.Connections;

namespace Credentials.Functions.Refresh;

/// <summary>Where a failed refresh leaves the connection: its failure count, cooldown and status.</summary>
internal readonly record struct RefreshFailureAssessment(int Failures, TimeSpan Cooldown, DateTimeOffset FailingSince, ConnectionStatus Status);

/// <summary>
/// How failed refreshes count (docs/refresh.md): the cooldown doubles from <see cref="RefreshOptions.FirstCooldown"/> up to
/// <see cref="RefreshOptions.MaxCooldown"/>, and a provider's longer <c>Retry-After</c> wins within that cap; the
/// connection is <c>RefreshFailing</c> after <see cref="RefreshOptions.FailuresBeforeRefreshFailing"/> failures and
/// needs reauthorization once it has been failing for <see cref="RefreshOptions.GiveUpAfter"/>.
/// </summary>
internal static class RefreshFailurePolicy
{
    public static RefreshFailureAssessment Assess(RefreshOptions options, ConnectionRecord record, TimeSpan? retryAfter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(record);
        var failures = record.ConsecutiveFailures + 1;
        var cooldown = CooldownAfter(options, failures, retryAfter);
        var failingSince = record.FailingSince ?? now;
        var status = now - failingSince >= options.GiveUpAfter ? ConnectionStatus.ReauthorizationRequired
            : failures >= options.FailuresBeforeRefreshFailing && record.Status != ConnectionStatus.Importing ? ConnectionStatus.RefreshFailing
            : record.Status;
        return new RefreshFailureAssessment(failures, cooldown, failingSince, status);
    }

    /// <summary>The cooldown after <paramref name="failures"/> consecutive failures; a longer <paramref name="retryAfter"/> wins, within the cap.</summary>
    public static TimeSpan CooldownAfter(RefreshOptions options, int failures, TimeSpan? retryAfter)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cooldown = options.FirstCooldown * Math.Pow(2, Math.Min(failures - 1, 20));
        cooldown = cooldown < options.MaxCooldown ? cooldown : options.MaxCooldown;
        if (retryAfter is { } asked && asked > cooldown)
        {
            cooldown = asked < options.MaxCooldown ? asked : options.MaxCooldown;
        }

        return cooldown;
    }
}
