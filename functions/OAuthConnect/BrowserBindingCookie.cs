using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// Binds a pending connection to the browser that consented. The callback leaves a random value in a cookie of this
/// service's host; the pending connection keeps only its SHA-256; a browser-bound completion must carry the cookie.
/// <c>SameSite=Lax</c>, not Strict: the callback is a cross-site navigation from the provider, and a Lax cookie arrives
/// there, so connections started one after another in one browser share one value instead of overwriting each other's.
/// </summary>
public sealed class BrowserBindingCookie(IOptions<ConnectOptions> options)
{
    public const string SecureName = "__Host-credentials-binding";

    /// <summary>The name under <see cref="ConnectOptions.InsecureDevelopmentCookie"/>, where a browser would drop a Secure cookie.</summary>
    public const string DevelopmentName = "credentials-binding";

    private const int ValueLength = 43;

    public string Name => options.Value.InsecureDevelopmentCookie ? DevelopmentName : SecureName;

    /// <summary>The request's binding value, when it carries a well-formed one; never a value of another cookie name.</summary>
    public string? Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Cookies.TryGetValue(Name, out var value) && value is { Length: ValueLength } && value.All(IsBase64UrlChar) ? value : null;
    }

    /// <summary>The value a callback binds to: the browser's current one, so earlier pending connections stay completable, else a new one.</summary>
    public string ReadOrCreate(HttpRequest request) => Read(request) ?? Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public void Write(HttpResponse response, string value)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Cookies.Append(Name, value, new CookieOptions
        {
            Path = "/",
            Secure = !options.Value.InsecureDevelopmentCookie,
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            MaxAge = options.Value.CompletionLifetime,
            IsEssential = true,
        });
    }

    public static string HashOf(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>Whether <paramref name="value"/> is the one whose hash was stored, compared in constant time.</summary>
    public static bool Matches(string? value, string expectedHash) =>
        value is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashOf(value)), Encoding.ASCII.GetBytes(expectedHash));

    private static bool IsBase64UrlChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
