using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.Authentication.EdDsa;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.Authentication;

/// <summary>
/// Signing keys per JWKS URI, cached for <see cref="CallerAuthenticationOptions.SigningKeyLifetime"/>. A token naming an
/// unknown <c>kid</c> triggers a refetch, at most once per <see cref="CallerAuthenticationOptions.UnknownKeyRefetchInterval"/>,
/// so forged kids cannot turn the service into a JWKS hammer. When a refetch fails, the last keys keep serving.
/// </summary>
public sealed partial class SigningKeyCache(
    IHttpClientFactory httpClients,
    IOptions<CallerAuthenticationOptions> options,
    TimeProvider time,
    ILogger<SigningKeyCache> logger)
{
    public const string HttpClientName = "caller-signing-keys";
    private static readonly TimeSpan DiscoveryLifetime = TimeSpan.FromHours(24);
    private readonly ConcurrentDictionary<string, KeySetEntry> _keySets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Uri JwksUri, DateTimeOffset FetchedAt)> _discovered = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<SecurityKey>> GetKeysAsync(Uri jwksUri, string? keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jwksUri);
        var entry = _keySets.GetOrAdd(jwksUri.AbsoluteUri, _ => new KeySetEntry());
        if (entry.Usable(time.GetUtcNow(), options.Value, keyId) is { } cached)
        {
            return cached;
        }

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (entry.Usable(now, options.Value, keyId) is { } fetchedMeanwhile)
            {
                return fetchedMeanwhile;
            }

            entry.LastAttempt = now;
            try
            {
                entry.Keys = await FetchAsync(jwksUri, cancellationToken);
                entry.FetchedAt = now;
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogFetchFailed(logger, exception, jwksUri.AbsoluteUri);
            }

            return entry.Keys ?? [];
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>The <c>jwks_uri</c> from an OIDC issuer's discovery document, cached for a day.</summary>
    public async Task<Uri?> DiscoverJwksUriAsync(Uri issuer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var now = time.GetUtcNow();
        if (_discovered.TryGetValue(issuer.AbsoluteUri, out var known) && now - known.FetchedAt < DiscoveryLifetime)
        {
            return known.JwksUri;
        }

        try
        {
            using var client = httpClients.CreateClient(HttpClientName);
            var document = await client.GetFromJsonAsync<JsonElement>(new Uri(issuer.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration"), cancellationToken);
            if (document.TryGetProperty("jwks_uri", out var value) && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var jwksUri))
            {
                _discovered[issuer.AbsoluteUri] = (jwksUri, now);
                return jwksUri;
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogFetchFailed(logger, exception, issuer.AbsoluteUri);
        }

        return known.JwksUri;
    }

    private async Task<IReadOnlyList<SecurityKey>> FetchAsync(Uri jwksUri, CancellationToken cancellationToken)
    {
        using var client = httpClients.CreateClient(HttpClientName);
        var document = await client.GetFromJsonAsync<JsonElement>(jwksUri, cancellationToken);
        var keys = new List<SecurityKey>();
        if (!document.TryGetProperty("keys", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The JWKS has no keys array.");
        }

        foreach (var entry in entries.EnumerateArray())
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

    private sealed class KeySetEntry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public IReadOnlyList<SecurityKey>? Keys { get; set; }

        public DateTimeOffset FetchedAt { get; set; }

        public DateTimeOffset LastAttempt { get; set; }

        /// <summary>The cached keys if they may answer this request without a fetch; null when a fetch is due.</summary>
        public IReadOnlyList<SecurityKey>? Usable(DateTimeOffset now, CallerAuthenticationOptions options, string? keyId)
        {
            if (Keys is null)
            {
                return null;
            }

            var fresh = now - FetchedAt < options.SigningKeyLifetime;
            var knowsKey = keyId is null || Keys.Any(k => k.KeyId == keyId);
            var mayRefetch = now - LastAttempt >= options.UnknownKeyRefetchInterval;
            return (fresh && knowsKey) || !mayRefetch ? Keys : null;
        }
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning, Message = "Fetching signing keys from {Uri} failed; the last known keys keep serving")]
    private static partial void LogFetchFailed(ILogger logger, Exception exception, string uri);
}
