using System.Text;
using System.Text.Json;
using NSec.Cryptography;

namespace Credentials.AuthressLocal;

/// <summary>Compact EdDSA JWTs: signing caller tokens and verifying service-client tokens, with nothing but NSec.</summary>
public static class Ed25519Jwt
{
    public static string Sign(Key key, string keyId, IReadOnlyDictionary<string, object> claims)
    {
        ArgumentNullException.ThrowIfNull(key);
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "EdDSA", ["typ"] = "at+jwt", ["kid"] = keyId }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = SignatureAlgorithm.Ed25519.Sign(key, Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    /// <summary>
    /// The verified claims, or null when the token is malformed, not EdDSA, badly signed or expired. <paramref name="keyFor"/>
    /// picks the key from the header (its <c>kid</c>) and the unverified claims, or answers null to refuse the token.
    /// </summary>
    public static JsonElement? Verify(string token, Func<JsonElement, JsonElement, PublicKey?> keyFor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(keyFor);
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var header = JsonDocument.Parse(FromBase64Url(parts[0])).RootElement;
            var claims = JsonDocument.Parse(FromBase64Url(parts[1])).RootElement;
            if (!header.TryGetProperty("alg", out var alg) || alg.GetString() != "EdDSA" || keyFor(header, claims) is not { } publicKey)
            {
                return null;
            }

            var signed = SignatureAlgorithm.Ed25519.Verify(publicKey, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FromBase64Url(parts[2]));
            var expires = claims.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MinValue;
            return signed && expires > now ? claims : null;
        }
        catch (Exception exception) when (exception is JsonException or FormatException)
        {
            return null;
        }
    }

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
