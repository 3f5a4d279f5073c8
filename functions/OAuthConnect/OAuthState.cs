using Credentials.Functions.Crypto;

namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// A started authorization, waiting for its callback. Stored under the SHA-256 of the state value, so the table never
/// holds a usable state; the PKCE verifier is held only as an envelope bound to this row.
/// </summary>
public sealed record OAuthState : IOneTimeConnectRow
{
    public const string SecretScope = "oauth-states";
    public const string RowKey = "state";

    public required string StateHash { get; init; }

    public required string UserId { get; init; }

    public required string ConnectionId { get; init; }

    public required string ProviderId { get; init; }

    public required Uri RedirectUri { get; init; }

    public required IReadOnlyList<string> Scopes { get; init; }

    public Uri? ReturnUrl { get; init; }

    /// <summary>How the callback hands its result to <see cref="ReturnUrl"/>.</summary>
    public ResponseMode ResponseMode { get; init; }

    /// <summary>Who will present the completion code: the consenting browser (cookie-bound) or the application's server.</summary>
    public CompletionBinding Binding { get; init; }

    /// <summary>The caller who started the connection, for the audit trail of the anonymous callback.</summary>
    public required string StartedBy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public byte[]? PkceVerifierEnvelope { get; init; }

    public static EncryptionContext VerifierContext(string stateHash) => new(SecretScope, stateHash, RowKey, SecretField.PkceVerifier);
}
