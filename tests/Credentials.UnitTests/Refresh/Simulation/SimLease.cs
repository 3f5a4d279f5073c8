namespace Credentials.Tests.Refresh.Simulation;

/// <summary>
/// One flight's lease as <c>RefreshLease</c> keeps it in memory: the record it last saw, the expiry it last wrote, the
/// turn its writes and heartbeat share, and the rotated refresh token it holds and has not stored yet.
/// <see cref="RenewedExpiry"/> follows <c>RefreshLease.RenewedExpiry</c> line for line (that one's expiry is private to it).
/// </summary>
internal sealed class Lease(string owner, DateTimeOffset leasedAt, TimeSpan duration, bool renewalCapped)
{
    public string Owner { get; } = owner;

    public TimeSpan Duration { get; } = duration;

    public DateTimeOffset LeasedAt { get; } = leasedAt;

    public DateTimeOffset ExpiresAt { get; set; } = leasedAt + duration;

    public Credentials.Functions.Connections.ConnectionRecord? Current { get; set; }

    public bool Stopped { get; set; }

    public bool Busy { get; set; }

    public Queue<Action<Action>> Queue { get; } = new();

    /// <summary>A refresh token the provider rotated to, held only in this instance's memory until a write of it lands.</summary>
    public string? Unstored { get; set; }

    public DateTimeOffset? RenewedExpiry(DateTimeOffset now)
    {
        if (!renewalCapped)
        {
            return now + Duration;
        }

        var latest = LeasedAt + (2 * Duration);
        return ExpiresAt >= latest ? null : now + Duration < latest ? now + Duration : latest;
    }
}
