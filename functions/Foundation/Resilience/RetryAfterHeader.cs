using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Credentials.Functions.Foundation.Resilience;

/// <summary>
/// <c>Retry-After</c> both ways: how long a remote service (a provider, Authress) asked us to wait, as delta or date; and
/// how long we ask our callers to wait, in whole seconds, at least one.
/// </summary>
internal static class RetryAfterHeader
{
    public static void Set(HttpResponse response, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

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
