using System.Globalization;

namespace Credentials.SandboxProvider;

/// <summary>
/// A fixed-window limit on the token endpoint, counted for the one client app: a window starts at the first request
/// after the previous one ended and lasts <see cref="Window"/>. Switched on by setting <see cref="Limit"/>.
/// </summary>
public sealed class TokenRateLimit
{
    private readonly Lock _gate = new();
    private DateTimeOffset _windowEndsAt;
    private int _used;
    private int _refused;
    private int _mostInAWindow;

    /// <summary>Requests allowed per window; null: no limit.</summary>
    public int? Limit { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    public int Refused => Volatile.Read(ref _refused);

    /// <summary>The most requests any window let through.</summary>
    public int MostInAWindow => Volatile.Read(ref _mostInAWindow);

    /// <summary>Counts one request and sets the headers; false (and a 429 written) when it is over the limit.</summary>
    public bool Admit(HttpResponse response)
    {
        if (Limit is not { } limit)
        {
            return true;
        }

        int remaining;
        TimeSpan reset;
        bool over;
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            if (now >= _windowEndsAt)
            {
                _windowEndsAt = now + Window;
                _used = 0;
            }

            over = _used >= limit;
            if (!over)
            {
                _used++;
                _mostInAWindow = Math.Max(_mostInAWindow, _used);
            }
            else
            {
                _refused++;
            }

            remaining = limit - _used;
            reset = _windowEndsAt - now;
        }

        var seconds = ((int)Math.Ceiling(reset.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        response.Headers["RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        response.Headers["RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        response.Headers["RateLimit-Reset"] = seconds;
        if (over)
        {
            response.StatusCode = StatusCodes.Status429TooManyRequests;
            response.Headers.RetryAfter = seconds;
        }

        return !over;
    }
}
