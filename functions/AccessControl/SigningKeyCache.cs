using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.AccessControl.EdDsa;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.AccessControl;

// Longer than 250 lines on purpose: one cache per issuer with its fetch budget, discovery, refresh-on-unknown-kid and
// stale-while-failing rules; they share one lock and one clock, and apart they would be read together anyway.

/// <summary>
/// Signing keys per JWKS URI, cached for <see cref="CallerAuthenticationOptions.SigningKeyLifetime"/>. Token contents
/// choose the JWKS URI (an Authress service client's id is in its issuer), so nothing a caller sends may grow memory or
/// outbound traffic without bound:
/// <list type="bullet">
/// <item>at most <see cref="MaxKeySets"/> key sets are held; failed ones are evicted first, then the least recently used;</item>
/// <item>each trusted issuer has at most one fetch in flight, and at most <see cref="NewKeySetFetchesPerMinute"/> fetches of
/// key sets it has not seen yet per minute;</item>
/// <item>a key set is fetched again at most once per <see cref="CallerAuthenticationOptions.UnknownKeyRefetchInterval"/>,
/// whether a token named an unknown <c>kid</c> or the last fetch failed.</item>
/// </list>
/// When a refetch fails, the last keys keep serving.
/// </summary>
public sealed partial class SigningKeyCache(
    IHttpClientFactory httpClients,
    IOptions<CallerAuthenticationOptions> options,
    TimeProvider time,
    ILogger<SigningKeyCache> logger)
{
    public const string HttpClientName = "caller-signing-keys";
    public const int MaxKeySets = 1_000;
    public const int NewKeySetFetchesPerMinute = 10;
    public const int MaxKeysPerSet = 50;

    /// <summary>Largest JWKS or discovery document read; anything larger is a failed fetch.</summary>
    public const int MaxDocumentBytes = 256 * 1024;

    private static readonly TimeSpan DiscoveryLifetime = TimeSpan.FromHours(24);
    private readonly ConcurrentDictionary<string, KeySetEntry> _keySets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IssuerFetches> _issuers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Discovery> _discovered = new(StringComparer.Ordinal);
    private readonly Lock _evictionLock = new();

    /// <summary>How many key sets are held now (bounded by <see cref="MaxKeySets"/>).</summary>
    public int KeySetCount => _keySets.Count;

    /// <summary>Outbound fetches so far (JWKS and discovery), for tests and benchmarks.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    private int _fetches;

    /// <param name="jwksUri">Where the keys are.</param>
    /// <param name="issuer">The trusted issuer (configured, so a bounded set) whose fetches share one gate and budget.</param>
    /// <param name="keyId">The token's <c>kid</c>, if any.</param>
    public async Task<SigningKeyLookup> GetKeysAsync(Uri jwksUri, Uri issuer, string? keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jwksUri);
        ArgumentNullException.ThrowIfNull(issuer);
        var settings = options.Value;
        var now = time.GetUtcNow();
        if (_keySets.TryGetValue(jwksUri.AbsoluteUri, out var known) && known.Cached(now, settings, keyId) is { } cached)
        {
            return cached;
        }

        var fetches = _issuers.GetOrAdd(issuer.AbsoluteUri, _ => new IssuerFetches());
        var entry = known;
        if (entry is null)
        {
            // Concurrent first requests for one key set share its entry; only the one that created it spends budget.
            var created = new KeySetEntry { LastUsed = now };
            entry = _keySets.GetOrAdd(jwksUri.AbsoluteUri, created);
            if (ReferenceEquals(entry, created))
            {
                if (!fetches.TryTakeNewKeySetFetch(now, out var firstRefusalThisMinute))
                {
                    _keySets.TryRemove(new KeyValuePair<string, KeySetEntry>(jwksUri.AbsoluteUri, created));
                    if (firstRefusalThisMinute)
                    {
                        LogNewKeySetsThrottled(logger, issuer.AbsoluteUri);
                    }

                    return SigningKeyLookup.KeysUnavailable;
                }

                EvictBeyondCapacity(created);
            }
        }

        await fetches.Gate.WaitAsync(cancellationToken);
        try
        {
            now = time.GetUtcNow();
            if (entry.Cached(now, settings, keyId) is { } fetchedMeanwhile)
            {
                return fetchedMeanwhile;
            }

            entry.LastAttempt = now;
            entry.LastUsed = now;
            try
            {
                entry.Keys = await FetchKeysAsync(jwksUri, cancellationToken);
                entry.FetchedAt = now;
                entry.LastFailure = null;
            }
            catch (Exception exception) when (IsFetchFailure(exception, cancellationToken))
            {
                entry.LastFailure = Classify(exception);
                LogFetchFailed(logger, exception, jwksUri.AbsoluteUri);
            }

            return entry.Current();
        }
        finally
        {
            fetches.Gate.Release();
        }
    }

    /// <summary>The <c>jwks_uri</c> from an OIDC issuer's discovery document, cached for a day; null when it cannot be had.</summary>
    public async Task<Uri?> DiscoverJwksUriAsync(Uri issuer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var now = time.GetUtcNow();
        var discovery = _discovered.GetOrAdd(issuer.AbsoluteUri, _ => new Discovery());
        if ((discovery.JwksUri is not null && now - discovery.FetchedAt < DiscoveryLifetime)
            || now - discovery.LastAttempt < options.Value.UnknownKeyRefetchInterval)
        {
            return discovery.JwksUri;
        }

        var fetches = _issuers.GetOrAdd(issuer.AbsoluteUri, _ => new IssuerFetches());
        await fetches.Gate.WaitAsync(cancellationToken);
        try
        {
            if (now - discovery.LastAttempt < options.Value.UnknownKeyRefetchInterval)
            {
                return discovery.JwksUri;
            }

            discovery.LastAttempt = now;
            var document = await ReadJsonAsync(new Uri(issuer.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration"), cancellationToken);
            if (document.TryGetProperty("jwks_uri", out var value) && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var jwksUri))
            {
                discovery.JwksUri = jwksUri;
                discovery.FetchedAt = now;
            }
        }
        catch (Exception exception) when (IsFetchFailure(exception, cancellationToken))
        {
            LogFetchFailed(logger, exception, issuer.AbsoluteUri);
        }
        finally
        {
            fetches.Gate.Release();
        }

        return discovery.JwksUri;
    }

    private void EvictBeyondCapacity(KeySetEntry keep)
    {
        if (_keySets.Count <= MaxKeySets)
        {
            return;
        }

        lock (_evictionLock)
        {
            while (_keySets.Count > MaxKeySets)
            {
                // Failed key sets first (what a flood of made-up client ids leaves), then the least recently used.
                var victim = _keySets.Where(pair => !ReferenceEquals(pair.Value, keep))
                    .OrderBy(pair => pair.Value.Keys is null ? 0 : 1).ThenBy(pair => pair.Value.LastUsed).First();
                _keySets.TryRemove(victim);
            }
        }
    }

    private async Task<IReadOnlyList<SecurityKey>> FetchKeysAsync(Uri jwksUri, CancellationToken cancellationToken)
    {
        var document = await ReadJsonAsync(jwksUri, cancellationToken);
        var keys = new List<SecurityKey>();
        if (!document.TryGetProperty("keys", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The JWKS has no keys array.");
        }

        foreach (var entry in entries.EnumerateArray().Take(MaxKeysPerSet))
        {
            var kty = entry.TryGetProperty("kty", out var t) ? t.GetString() : null;
            var kid = entry.TryGetProperty("kid", out var k) ? k.GetString() : null;
            if (kty == "OKP" && entry.TryGetProperty("crv", out var crv) && crv.GetString() == "Ed25519" && entry.TryGetProperty("x", out var x))
            {
                keys.Add(new Ed25519SecurityKey(Base64UrlEncoder.DecodeBytes(x.GetString()), kid));
            }
            else if (kty is "RSA" or "EC")
            {
                keys.Add(new JsonWebKey(entry.GetRawText()));
            }
        }

        return keys;
    }

    private async Task<JsonElement> ReadJsonAsync(Uri uri, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        using var client = httpClients.CreateClient(HttpClientName);
        client.MaxResponseContentBufferSize = MaxDocumentBytes;
        using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseContentRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private static bool IsFetchFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException or JsonException or FormatException or ArgumentException
        || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>A 4xx is the issuer saying there is no such key set; anything else is the issuer not being reachable or well.</summary>
    private static FetchFailure Classify(Exception exception) =>
        exception is HttpRequestException { StatusCode: { } status } && (int)status is >= 400 and < 500 && status != HttpStatusCode.TooManyRequests
            ? FetchFailure.NotFound
            : FetchFailure.Unavailable;

    private enum FetchFailure
    {
        NotFound,
        Unavailable,
    }

    private sealed class KeySetEntry
    {
        public IReadOnlyList<SecurityKey>? Keys { get; set; }

        public DateTimeOffset FetchedAt { get; set; }

        public DateTimeOffset LastAttempt { get; set; }

        public DateTimeOffset LastUsed { get; set; }

        public FetchFailure? LastFailure { get; set; }

        public SigningKeyLookup Current() => Keys is { } keys
            ? SigningKeyLookup.Found(keys)
            : LastFailure == FetchFailure.NotFound ? SigningKeyLookup.NotFound : SigningKeyLookup.KeysUnavailable;

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

    /// <summary>One trusted issuer's fetch gate and its budget for key sets not seen before (a token bucket).</summary>
    private sealed class IssuerFetches
    {
        private readonly Lock _lock = new();
        private double _tokens = NewKeySetFetchesPerMinute;
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
                    _tokens = Math.Min(NewKeySetFetchesPerMinute, _tokens + ((now - _refilledAt).TotalMinutes * NewKeySetFetchesPerMinute));
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
    }

    private sealed class Discovery
    {
        public Uri? JwksUri { get; set; }

        public DateTimeOffset FetchedAt { get; set; }

        public DateTimeOffset LastAttempt { get; set; }
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning, Message = "Fetching signing keys from {Uri} failed; the last known keys keep serving")]
    private static partial void LogFetchFailed(ILogger logger, Exception exception, string uri);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Tokens from issuer {Issuer} name more new key sets than may be fetched per minute; refused until the budget refills")]
    private static partial void LogNewKeySetsThrottled(ILogger logger, string issuer);
}
