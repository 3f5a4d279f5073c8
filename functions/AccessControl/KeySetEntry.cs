using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.AccessControl;

/// <summary>One cached key set: its keys (or why there are none) and when it was fetched, tried and used.</summary>
internal sealed class KeySetEntry
{
    public IReadOnlyList<SecurityKey>? Keys { get; set; }

    public DateTimeOffset FetchedAt { get; set; }

    public DateTimeOffset LastAttempt { get; set; }

    public DateTimeOffset LastUsed { get; set; }

    public KeyFetchFailure? LastFailure { get; set; }

    public SigningKeyLookup Current() => Keys is { } keys
        ? SigningKeyLookup.Found(keys)
        : LastFailure == KeyFetchFailure.NotFound ? SigningKeyLookup.NotFound : SigningKeyLookup.KeysUnavailable;

    /// <summary>The answer without a fetch, or null when a fetch is due.</summary>
    public SigningKeyLookup? Cached(DateTimeOffset now, CallerAuthenticationOptions options, string? keyId)
    {
        LastUsed = now;
        var mayRefetch = now - LastAttempt >= options.UnknownKeyRefetchInterval;
        if (Keys is null)
        {
            // Never fetched, or the first fetch is in flight: wait for it at the gate. Failed recently: say so at once.
            return LastFailure is null || mayRefetch ? null : Current();
        }

        var fresh = now - FetchedAt < options.SigningKeyLifetime;
        var knowsKey = keyId is null || Keys.Any(k => k.KeyId == keyId);
        return (fresh && knowsKey) || !mayRefetch ? Current() : null;
    }
}
