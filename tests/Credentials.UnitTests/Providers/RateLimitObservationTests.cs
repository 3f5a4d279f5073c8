using System.Net;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.Providers;

/// <summary>What the governor reads from a provider's answer: each spelling of the rate-limit headers, and refusals.</summary>
public sealed class RateLimitObservationTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_ietf_draft_headers_give_the_window()
    {
        var seen = Read(HttpStatusCode.OK, ("RateLimit-Limit", "100"), ("RateLimit-Remaining", "40"), ("RateLimit-Reset", "30"));

        Assert.Equal(new RateLimitObservation(100, 40, TimeSpan.FromSeconds(30), null), seen);
        Assert.True(seen.Window);
    }

    [Fact]
    public void X_ratelimit_reset_above_a_billion_is_epoch_seconds()
    {
        var reset = Now.AddMinutes(10).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var seen = Read(HttpStatusCode.OK, ("X-RateLimit-Limit", "5000"), ("X-RateLimit-Remaining", "4999"), ("X-RateLimit-Reset", reset));

        Assert.Equal(TimeSpan.FromMinutes(10), seen.Reset);
        Assert.Equal(5000, seen.Limit);
    }

    [Fact]
    public void The_structured_header_and_its_policy_give_the_window()
    {
        var seen = Read(HttpStatusCode.OK, ("RateLimit-Policy", "\"default\";q=50;w=60"), ("RateLimit", "\"default\";r=7;t=12"));

        Assert.Equal(new RateLimitObservation(50, 7, TimeSpan.FromSeconds(12), null), seen);
    }

    [Fact]
    public void A_429_blocks_for_its_retry_after_and_an_empty_window_until_its_reset()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), Read(HttpStatusCode.TooManyRequests, ("Retry-After", "20")).BlockedFor);
        Assert.Equal(TimeSpan.FromSeconds(1), Read(HttpStatusCode.TooManyRequests).BlockedFor);
        Assert.Equal(TimeSpan.FromSeconds(9),
            Read(HttpStatusCode.OK, ("RateLimit-Limit", "10"), ("RateLimit-Remaining", "0"), ("RateLimit-Reset", "9")).BlockedFor);
        Assert.True(Read(HttpStatusCode.OK).IsEmpty);
        Assert.True(Read(HttpStatusCode.ServiceUnavailable).IsEmpty);
    }

    private static RateLimitObservation Read(HttpStatusCode status, params (string Name, string Value)[] headers)
    {
        using var response = new HttpResponseMessage(status);
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return RateLimitObservation.Read(response, new FakeTimeProvider(Now));
    }
}
