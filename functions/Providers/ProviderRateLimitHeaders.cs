using System.Globalization;
using System.Net;
using Credentials.Functions.Foundation.Resilience;

namespace Credentials.Functions.Providers;

/// <summary>
/// What one provider response says about the app's rate limit: a refusal with <c>Retry-After</c> (429, or 503 with the
/// header), and the window's figures from <c>RateLimit-Limit</c> / <c>-Remaining</c> / <c>-Reset</c> (IETF draft),
/// their <c>X-RateLimit-*</c> spelling (GitHub, Slack and many others; a reset above 10^9 is epoch seconds, otherwise a
/// delay), or the structured <c>RateLimit: …;r=…;t=…</c> with <c>RateLimit-Policy: …;q=…</c>.
/// </summary>
public sealed record RateLimitObservation(int? Limit, int? Remaining, TimeSpan? Reset, TimeSpan? BlockedFor)
{
    /// <summary>Epoch seconds start here: no provider's window lasts 30 years.</summary>
    private const long EpochThreshold = 1_000_000_000;

    public bool Window => Limit is > 0 && Remaining is not null && Reset is not null;

    public bool IsEmpty => !Window && BlockedFor is null;

    public static RateLimitObservation Read(HttpResponseMessage response, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        var limit = Number(response, "RateLimit-Limit") ?? Number(response, "X-RateLimit-Limit") ?? Parameter(response, "RateLimit-Policy", "q");
        var remaining = Number(response, "RateLimit-Remaining") ?? Number(response, "X-RateLimit-Remaining") ?? Parameter(response, "RateLimit", "r");
        var reset = Number(response, "RateLimit-Reset") ?? Number(response, "X-RateLimit-Reset") ?? Parameter(response, "RateLimit", "t");
        var resetIn = reset is { } value
            ? value > EpochThreshold ? DateTimeOffset.FromUnixTimeSeconds(value) - now : TimeSpan.FromSeconds(value)
            : (TimeSpan?)null;
        if (resetIn < TimeSpan.Zero)
        {
            resetIn = TimeSpan.Zero;
        }

        var status = response.StatusCode;
        var retryAfter = RetryAfterHeader.Of(response, time);
        TimeSpan? blocked = status == HttpStatusCode.TooManyRequests ? retryAfter ?? resetIn ?? TimeSpan.FromSeconds(1)
            : status == HttpStatusCode.ServiceUnavailable ? retryAfter
            : remaining == 0 ? resetIn
            : null;
        return new RateLimitObservation(limit is > 0 and <= int.MaxValue ? (int)limit : null, remaining is >= 0 and <= int.MaxValue ? (int)remaining : null,
            resetIn, blocked);
    }

    private static long? Number(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values)
        && long.TryParse(values.First().Split(',')[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;

    /// <summary>A parameter of the first item of a structured-field list header (<c>"default";r=50;t=30</c>).</summary>
    private static long? Parameter(HttpResponseMessage response, string header, string name)
    {
        if (!response.Headers.TryGetValues(header, out var values))
        {
            return null;
        }

        foreach (var part in values.First().Split(',')[0].Split(';').Skip(1))
        {
            var pair = part.Split('=', 2);
            if (pair.Length == 2 && pair[0].Trim() == name
                && long.TryParse(pair[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return number;
            }
        }

        return null;
    }
}
