namespace Credentials.Functions.AccessControl;

/// <summary>
/// Fairness between callers: each authenticated caller may make <see cref="PermitsPerSecond"/> requests a second per
/// instance, in bursts of up to <see cref="Burst"/>; beyond that it is answered 429 with Retry-After before it is
/// authorized, so one caller cannot use up the Authress quota, the provider's or the audit capacity that others share.
/// </summary>
public sealed class CallerRateLimitOptions
{
    public const string SectionName = "RateLimit";

    /// <summary>Sustained requests per second per caller on one instance; 0 turns the limit off.</summary>
    public int PermitsPerSecond { get; set; } = 1_000;

    /// <summary>Requests a caller may make at once after being idle.</summary>
    public int Burst { get; set; } = 2_000;
}
