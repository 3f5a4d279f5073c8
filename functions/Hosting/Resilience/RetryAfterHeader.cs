namespace Credentials.Functions.Hosting.Resilience;

/// <summary>How long a remote service (a provider, Authress) asked us to wait: its <c>Retry-After</c> as delta or date.</summary>
internal static class RetryAfterHeader
{
    /// <summary>The wait it asks for, never negative; null when the response has no <c>Retry-After</c>.</summary>
    public static TimeSpan? Of(HttpResponseMessage response, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(time);
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait is { } value && value < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }
}
