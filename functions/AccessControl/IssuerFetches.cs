namespace Credentials.Functions.AccessControl;

/// <summary>
/// One trusted issuer's fetch gate (one fetch in flight) and its budget for key sets not seen before: a token bucket of
/// <see cref="SigningKeyCache.NewKeySetFetchesPerMinute"/>, from which a fetch that found its key set is given back.
/// </summary>
internal sealed class IssuerFetches
{
    private const int PerMinute = SigningKeyCache.NewKeySetFetchesPerMinute;
    private readonly Lock _lock = new();
    private double _tokens = PerMinute;
    private DateTimeOffset _refilledAt;
    private DateTimeOffset _lastRefusalLogged;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <param name="now">The current time.</param>
    /// <param name="firstRefusalThisMinute">Whether a refusal should be logged: once a minute, not once a request.</param>
    public bool TryTakeNewKeySetFetch(DateTimeOffset now, out bool firstRefusalThisMinute)
    {
        lock (_lock)
        {
            firstRefusalThisMinute = false;
            if (_refilledAt != default)
            {
                _tokens = Math.Min(PerMinute, _tokens + ((now - _refilledAt).TotalMinutes * PerMinute));
            }

            _refilledAt = now;
            if (_tokens < 1)
            {
                firstRefusalThisMinute = now - _lastRefusalLogged >= TimeSpan.FromMinutes(1);
                _lastRefusalLogged = firstRefusalThisMinute ? now : _lastRefusalLogged;
                return false;
            }

            _tokens--;
            return true;
        }
    }

    /// <summary>Gives back the budget of a fetch that found a real key set: only ids whose key sets do not exist spend it.</summary>
    public void ReturnNewKeySetFetch()
    {
        lock (_lock)
        {
            _tokens = Math.Min(PerMinute, _tokens + 1);
        }
    }
}
