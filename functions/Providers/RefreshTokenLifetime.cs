namespace Credentials.Functions.Providers;

/// <summary>
/// How long a provider keeps a grant's refresh token alive, as it documents it: <see cref="Idle"/> (unused that long,
/// it dies; every successful refresh starts it again) and <see cref="Absolute"/> (that long after the user's consent,
/// whatever happened meanwhile). Null: the provider sets no such limit, or does not say. The keep-alive schedule and
/// the <c>expiring_soon</c> event both read this one model.
/// </summary>
public sealed record RefreshTokenLifetime(TimeSpan? Idle, TimeSpan? Absolute)
{
    public const string IdleKind = "idle_lifetime";
    public const string AbsoluteKind = "absolute_lifetime";

    public static readonly RefreshTokenLifetime Unlimited = new(null, null);

    /// <summary>When the grant dies unless something happens first, and which limit ends it; null when no limit is known.</summary>
    /// <param name="grantedAt">When the user consented (connected or reconnected).</param>
    /// <param name="lastRefreshedAt">The last successful refresh (or the consent, if none since).</param>
    public (DateTimeOffset At, string Kind)? ExpiryOf(DateTimeOffset grantedAt, DateTimeOffset lastRefreshedAt)
    {
        DateTimeOffset? idle = Idle is { } i ? (lastRefreshedAt > grantedAt ? lastRefreshedAt : grantedAt) + i : null;
        DateTimeOffset? absolute = Absolute is { } a ? grantedAt + a : null;
        return (idle, absolute) switch
        {
            ({ } byIdle, { } byAbsolute) => byAbsolute <= byIdle ? (byAbsolute, AbsoluteKind) : (byIdle, IdleKind),
            ({ } byIdle, null) => (byIdle, IdleKind),
            (null, { } byAbsolute) => (byAbsolute, AbsoluteKind),
            _ => null,
        };
    }

    /// <summary>
    /// How long an idle connection may go without a refresh: the configured interval, but at most half the idle
    /// lifetime, so that a lap that finds the provider down still leaves the next ones time before the grant dies.
    /// </summary>
    public TimeSpan KeepAlive(TimeSpan configured) => Idle is { } idle && idle / 2 < configured ? idle / 2 : configured;
}
