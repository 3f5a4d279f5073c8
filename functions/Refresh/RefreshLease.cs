namespace Credentials.Functions.Refresh;

/// <summary>
/// The time plan of one refresh lease of <see cref="Duration"/>. The provider call must end in its first half; storing
/// the result must end a safety margin before the lease does, so another instance never takes over (and presents the
/// old refresh token) while this one still holds unstored tokens. When storing runs late the holder renews once, to at
/// most twice the duration after it took the lease: a takeover after a crash then comes at most 2 × duration + 1 s after
/// the rotation, which a provider's reuse grace must cover (the lease is a third of it, see <see cref="For"/>).
/// </summary>
public sealed class RefreshLease
{
    private static readonly TimeSpan MinimumAttempt = TimeSpan.FromSeconds(1);

    /// <param name="owner">The lease owner id written to the record: one per refresh flight, so two flights of one instance exclude each other too.</param>
    public RefreshLease(string owner, DateTimeOffset leasedAt, TimeSpan duration)
    {
        Owner = owner;
        LeasedAt = leasedAt;
        Duration = duration;
        ExpiresAt = leasedAt + duration;
    }

    public string Owner { get; }

    public DateTimeOffset LeasedAt { get; }

    public TimeSpan Duration { get; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset ProviderDeadline => LeasedAt + (Duration / 2);

    /// <summary>Room left for clock differences between instances and the poll of a waiting instance.</summary>
    private TimeSpan Margin => Duration / 10;

    private DateTimeOffset LatestExpiry => LeasedAt + (2 * Duration);

    /// <summary>The lease a provider gets: the configured one, or a third of the provider's reuse grace when that is shorter.</summary>
    public static TimeSpan For(TimeSpan configured, TimeSpan? rotationGracePeriod) =>
        rotationGracePeriod is { } grace && grace / 3 < configured ? grace / 3 : configured;

    /// <summary>Time to finish storing before the lease is at risk.</summary>
    public TimeSpan Left(DateTimeOffset now) => ExpiresAt - Margin - now;

    /// <summary>Whether to renew before the next write: too little time left, and a renewal would still extend it.</summary>
    public bool ShouldRenew(DateTimeOffset now) => Left(now) < RenewalReserve && CanRenew;

    /// <summary>Kept free at the end of the lease while it can still be renewed, so that a renewal lands well inside it.</summary>
    private TimeSpan RenewalReserve => Duration / 4;

    private bool CanRenew => ExpiresAt < LatestExpiry;

    public DateTimeOffset RenewedExpiry(DateTimeOffset now) => now + Duration < LatestExpiry ? now + Duration : LatestExpiry;

    public void Renewed(DateTimeOffset expiresAt) => ExpiresAt = expiresAt;

    /// <summary>
    /// How long one write may take: what is left of the lease (less the renewal reserve while a renewal is still
    /// possible, so a stalled write is given up in time to renew), but never less than a second.
    /// </summary>
    public TimeSpan AttemptBudget(DateTimeOffset now)
    {
        var room = CanRenew ? Left(now) - RenewalReserve : Left(now);
        return room > MinimumAttempt ? room : MinimumAttempt;
    }
}
