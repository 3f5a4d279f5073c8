using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl;

/// <summary>
/// Signing keys per JWKS URI, cached for <see cref="CallerAuthenticationOptions.SigningKeyLifetime"/>. Token contents
/// choose the JWKS URI (an Authress service client's id is in its issuer), so nothing a caller sends may grow memory or
/// outbound traffic without bound:
/// <list type="bullet">
/// <item>at most <see cref="MaxKeySets"/> key sets are held; failed ones are evicted first, then the least recently used;</item>
/// <item>each trusted issuer has at most one fetch in flight, and at most <see cref="NewKeySetFetchesPerMinute"/> fetches of
/// key sets it has not seen yet per minute that find no keys: a fetch that finds the key set gives its budget back, so
/// only made-up ids spend it and a new instance meeting many genuine clients at once refuses none of them;</item>
/// <item>a key set is fetched again at most once per <see cref="CallerAuthenticationOptions.UnknownKeyRefetchInterval"/>,
/// whether a token named an unknown <c>kid</c> or the last fetch failed.</item>
/// </list>
/// When a refetch fails, the last keys keep serving. Reading and parsing the documents is <see cref="SigningKeyDocuments"/>'s.
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
    private readonly SigningKeyDocuments _documents = new(httpClients);

    /// <summary>How many key sets are held now (bounded by <see cref="MaxKeySets"/>).</summary>
    public int KeySetCount => _keySets.Count;

    /// <summary>Outbound fetches so far (JWKS and discovery), for tests and benchmarks.</summary>
    public int Fetches => _documents.Fetches;

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
        var spentBudget = false;
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

                spentBudget = true;
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
                entry.Keys = await _documents.FetchKeysAsync(jwksUri, cancellationToken);
                entry.FetchedAt = now;
                entry.LastFailure = null;
                if (spentBudget && entry.Keys.Count > 0)
                {
                    fetches.ReturnNewKeySetFetch();
                }
            }
            catch (Exception exception) when (SigningKeyDocuments.IsFetchFailure(exception, cancellationToken))
            {
                entry.LastFailure = SigningKeyDocuments.Classify(exception);
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
            if (await _documents.FetchJwksUriAsync(issuer, cancellationToken) is { } jwksUri)
            {
                discovery.JwksUri = jwksUri;
                discovery.FetchedAt = now;
            }
        }
        catch (Exception exception) when (SigningKeyDocuments.IsFetchFailure(exception, cancellationToken))
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
