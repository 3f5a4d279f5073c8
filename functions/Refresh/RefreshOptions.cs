namespace Credentials.Functions.Refresh;

public sealed class RefreshOptions
{
    public const string SectionName = "Refresh";

    /// <summary>Validity an access token must still have when a caller does not say (<c>minValiditySeconds</c>).</summary>
    public TimeSpan DefaultMinValidity { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one instance may hold a connection's refresh lease; a crashed holder's lease runs out after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a lease holder's heartbeat must have been silent before another instance takes over its expired lease
    /// (outside a provider's reuse grace). A live holder renews every third of the lease, so it is silent this long only
    /// if it crashed or storage answered none of its writes for that long; taking over sooner could present a refresh
    /// token the holder already rotated, which a provider without a reuse grace answers by revoking the grant. The cost
    /// is after a real crash: that connection waits this long for its next refresh (readers get the previous access token
    /// while it is valid, else 503 refresh_busy).
    /// </summary>
    public TimeSpan AbandonedLeaseTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries of a refresh that failed transiently (5xx, timeout), within one request.</summary>
    public int MaxProviderRetries { get; set; } = 2;

    public TimeSpan ProviderRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Cooldown after the first failed refresh; it doubles with each further failure up to <see cref="MaxCooldown"/>.</summary>
    public TimeSpan FirstCooldown { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxCooldown { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Consecutive failed refreshes after which a connection is reported <c>refresh_failing</c>.</summary>
    public int FailuresBeforeRefreshFailing { get; set; } = 3;

    /// <summary>After failing continuously this long, a connection needs the user to reconnect.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(4);

    /// <summary>
    /// How long a token read waits for a refresh (at the provider, or by another instance) before answering 503
    /// <c>refresh_busy</c> with Retry-After. The refresh itself goes on and is stored; the next read gets its result.
    /// With the authorization budget (6 s) a read answers within about 14 s, inside a caller's usual HTTP timeout.
    /// </summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Decrypted access tokens kept in memory per instance.</summary>
    public int MemoryCacheEntries { get; set; } = 10_000;
}
