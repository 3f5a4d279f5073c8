namespace Credentials.Functions.Foundation.Resilience;

/// <summary>The one retry-delay rule of the service's own retry loops: 100 ms before the first retry, doubling, capped.</summary>
internal static class Backoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(100);

    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first retry), at most <paramref name="max"/>.</summary>
    public static TimeSpan Delay(int retry, TimeSpan max)
    {
        var delay = First * Math.Pow(2, Math.Clamp(retry - 1, 0, 20));
        return delay < max ? delay : max;
    }
}
