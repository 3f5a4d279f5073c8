using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl;

/// <summary>
/// A token bucket per authenticated caller (<see cref="Caller.Key"/>: issuer and subject; <see cref="CallerRateLimitOptions"/>), refilled ten times a second. Asked
/// after authentication and before authorization: a refused request costs no Authress call, no audit row and no
/// storage request. Idle callers' buckets are dropped by the limiter itself, so memory follows active callers.
/// </summary>
public sealed class CallerRateLimiter : IDisposable
{
    private static readonly TimeSpan Refill = TimeSpan.FromMilliseconds(100);
    private readonly PartitionedRateLimiter<string>? _limiter;

    public CallerRateLimiter(IOptions<CallerRateLimitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (settings.PermitsPerSecond == 0)
        {
            return;
        }

        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.Burst,
            TokensPerPeriod = Math.Max(1, settings.PermitsPerSecond / 10),
            ReplenishmentPeriod = Refill,
            AutoReplenishment = true,
            QueueLimit = 0,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ => bucket), StringComparer.Ordinal);
    }

    /// <summary>Null when <paramref name="callerKey"/> (<see cref="Caller.Key"/>) may proceed; otherwise how long it should wait.</summary>
    public TimeSpan? Refusal(string callerKey)
    {
        if (_limiter is null)
        {
            return null;
        }

        using var lease = _limiter.AttemptAcquire(callerKey);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : Refill;
    }

    public void Dispose() => _limiter?.Dispose();
}
