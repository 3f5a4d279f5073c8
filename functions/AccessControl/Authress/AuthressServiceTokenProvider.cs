using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using NSec.Cryptography;

namespace Credentials.Functions.AccessControl.Authress;

/// <summary>
/// Mints the bearer JWT this service presents to Authress, signed with the service client's Ed25519 key, and reuses it
/// until less than an hour of its 24-hour life remains.
/// </summary>
public sealed class AuthressServiceTokenProvider : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
    public static readonly TimeSpan RenewBefore = TimeSpan.FromHours(1);
    private readonly AuthressAccessKey _key;
    private readonly Uri _apiBaseUrl;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private (string Token, DateTimeOffset ExpiresAt)? _current;

    public AuthressServiceTokenProvider(IOptions<AuthressOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!AuthressAccessKey.TryParse(options.Value.AccessKey, out var key))
        {
            throw new InvalidOperationException("Authress:AccessKey is not a valid service-client access key.");
        }

        _key = key;
        _apiBaseUrl = options.Value.ApiBaseUrl!;
        _time = time;
    }

    public string GetToken()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_current is { } current && current.ExpiresAt - now >= RenewBefore)
            {
                return current.Token;
            }

            var expiresAt = now + Lifetime;
            _current = (Mint(now, expiresAt), expiresAt);
            return _current.Value.Token;
        }
    }

    /// <summary>
    /// A fresh token that lives <paramref name="lifetime"/>, never cached or reused: for a one-off administrative run
    /// (tools/AuthorizationSetup), whose key may change grants and whose tokens should therefore expire within minutes.
    /// </summary>
    public string MintShortLived(TimeSpan lifetime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lifetime, Lifetime);
        var now = _time.GetUtcNow();
        return Mint(now, now + lifetime);
    }

    /// <summary>
    /// <c>iss</c> is <c>https://{host}/v1/clients/{clientId}</c> where host is the account's Authress API host
    /// (<c>{accountId}.api.authress.io</c>) or, when the API base URL is a custom domain or local endpoint, that origin.
    /// </summary>
    internal string IssuerUrl
    {
        get
        {
            var origin = _apiBaseUrl.Host.EndsWith("api.authress.io", StringComparison.OrdinalIgnoreCase)
                ? $"https://{_key.AccountId}.api.authress.io"
                : _apiBaseUrl.GetLeftPart(UriPartial.Authority);
            return $"{origin}/v1/clients/{Uri.EscapeDataString(_key.ClientId)}";
        }
    }

    private string Mint(DateTimeOffset now, DateTimeOffset expiresAt)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "EdDSA", ["typ"] = "at+jwt", ["kid"] = _key.KeyId });
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = IssuerUrl,
            ["sub"] = _key.ClientId,
            ["client_id"] = _key.ClientId,
            ["aud"] = $"{_key.AccountId}.accounts.authress.io",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
            ["scope"] = "openid",
        });
        var signingInput = Base64UrlEncoder.Encode(header) + "." + Base64UrlEncoder.Encode(payload);
        var signature = SignatureAlgorithm.Ed25519.Sign(_key.PrivateKey, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }

    public void Dispose() => _key.Dispose();
}
