using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.AccessControl.EdDsa;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.AccessControl;

/// <summary>Why a key set could not be had: the issuer said there is none, or the issuer could not be asked.</summary>
internal enum KeyFetchFailure
{
    NotFound,
    Unavailable,
}

/// <summary>
/// Reads JWKS and OIDC discovery documents over HTTP and turns them into keys: at most
/// <see cref="SigningKeyCache.MaxDocumentBytes"/> read and <see cref="SigningKeyCache.MaxKeysPerSet"/> keys kept. Every
/// failure is an exception that <see cref="IsFetchFailure"/> recognises; what to cache and when to ask is the cache's.
/// </summary>
internal sealed class SigningKeyDocuments(IHttpClientFactory httpClients)
{
    private int _fetches;

    /// <summary>Outbound fetches so far (JWKS and discovery).</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    /// <summary>Sends failures the caller did not cause (its own cancellation is not one) to the cache's failure handling.</summary>
    public static bool IsFetchFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException or JsonException or FormatException or ArgumentException
        || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>A 4xx is the issuer saying there is no such key set; anything else is the issuer not being reachable or well.</summary>
    public static KeyFetchFailure Classify(Exception exception) =>
        exception is HttpRequestException { StatusCode: { } status } && (int)status is >= 400 and < 500 && status != HttpStatusCode.TooManyRequests
            ? KeyFetchFailure.NotFound
            : KeyFetchFailure.Unavailable;

    public async Task<IReadOnlyList<SecurityKey>> FetchKeysAsync(Uri jwksUri, CancellationToken cancellationToken)
    {
        var document = await ReadJsonAsync(jwksUri, cancellationToken);
        var keys = new List<SecurityKey>();
        if (!document.TryGetProperty("keys", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The JWKS has no keys array.");
        }

        foreach (var entry in entries.EnumerateArray().Take(SigningKeyCache.MaxKeysPerSet))
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

    /// <summary>The <c>jwks_uri</c> of an OIDC issuer's discovery document; null when the document names none.</summary>
    public async Task<Uri?> FetchJwksUriAsync(Uri issuer, CancellationToken cancellationToken)
    {
        var document = await ReadJsonAsync(new Uri(issuer.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration"), cancellationToken);
        return document.TryGetProperty("jwks_uri", out var value) && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var jwksUri)
            ? jwksUri
            : null;
    }

    private async Task<JsonElement> ReadJsonAsync(Uri uri, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        using var client = httpClients.CreateClient(SigningKeyCache.HttpClientName);
        client.MaxResponseContentBufferSize = SigningKeyCache.MaxDocumentBytes;
        using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseContentRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }
}
