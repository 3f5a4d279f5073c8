using System.Text;
using Credentials.Functions.Foundation;

namespace Credentials.Functions.Providers;

/// <summary>
/// How an API-key or basic connection's secret is sent to the provider's APIs (the proxy, the probe) and whether it may
/// be handed out (docs/providers.md, API-key and basic credentials).
/// </summary>
/// <param name="HeaderName">The header the secret goes in: <c>Authorization</c> for basic credentials.</param>
/// <param name="Format">The header's value with <see cref="Placeholder"/> where an API key goes (unused for basic).</param>
/// <param name="ProbeUrl">A GET here answers 2xx for a valid secret, 401 or 403 for a refused one; null: never checked.</param>
/// <param name="AllowHandout">Whether <c>credentials:read</c> callers may be handed the secret (off by default).</param>
public sealed record SecretUsage(CredentialKind Kind, string HeaderName, string Format, Uri? ProbeUrl, bool AllowHandout)
{
    public const string Placeholder = "{secret}";

    public const string DefaultHeader = "Authorization";

    public const string DefaultFormat = "Bearer " + Placeholder;

    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The token type of a handed-out API key: the caller sends it as the provider documents.</summary>
    public const string ApiKeyTokenType = "api_key";

    /// <summary>The token type of handed-out basic credentials: <c>Authorization: Basic {token}</c>.</summary>
    public const string BasicTokenType = "Basic";

    /// <summary>
    /// The credential as sent and handed out, from the stored secret: an API key as it is; basic credentials
    /// (<c>user:password</c>) as their RFC 7617 token, base64 of the UTF-8 bytes.
    /// </summary>
    public static string Credential(CredentialKind kind, string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return kind == CredentialKind.Basic ? Convert.ToBase64String(Encoding.UTF8.GetBytes(stored)) : stored;
    }

    /// <summary>How long a probe may take before it counts as unanswered.</summary>
    public TimeSpan ProbeTimeout { get; init; } = DefaultProbeTimeout;

    public string TokenType => Kind == CredentialKind.Basic ? BasicTokenType : ApiKeyTokenType;

    /// <summary>Puts <paramref name="credential"/> (<see cref="Credential"/>) into its header, replacing any header of that name the caller sent.</summary>
    public void Apply(HttpRequestMessage message, string credential)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(credential);
        var value = Kind == CredentialKind.Basic ? "Basic " + credential : Format.Replace(Placeholder, credential, StringComparison.Ordinal);
        message.Headers.Remove(HeaderName);
        message.Headers.TryAddWithoutValidation(HeaderName, value);
    }
}
