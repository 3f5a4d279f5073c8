using Credentials.Functions.Crypto;

namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// Tokens a provider issued for a connection that its user has not completed yet. Stored under the SHA-256 of the
/// one-time completion code, so the table never holds a usable code; the tokens are envelopes bound to that row. It is
/// never read by the token API: it becomes a connection only through <see cref="ConnectionCompleter"/>.
/// </summary>
public sealed record PendingConnection : IOneTimeConnectRow
{
    public const string SecretScope = "pending-connections";
    public const string RowKey = "pending";

    public required string CompletionHash { get; init; }

    public required string UserId { get; init; }

    public required string ConnectionId { get; init; }

    public required string ProviderId { get; init; }

    public required IReadOnlyList<string> Scopes { get; init; }

    /// <summary>The caller who started the connection, for the audit trail.</summary>
    public required string StartedBy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public required byte[] RefreshTokenEnvelope { get; init; }

    public byte[]? AccessTokenEnvelope { get; init; }

    public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    public string? AccessTokenType { get; init; }

    public Uri? InstanceUrl { get; init; }

    /// <summary>SHA-256 of the consenting browser's binding cookie; null when the application's server completes (<see cref="CompletionBinding.Server"/>).</summary>
    public string? BrowserBindingHash { get; init; }

    /// <summary>The provider account that consented, as its ID token names it (email, login or subject), for people to check; not verified identity.</summary>
    public string? Account { get; init; }

    public EncryptionContext ContextFor(SecretField field) => ContextFor(CompletionHash, field);

    public static EncryptionContext ContextFor(string completionHash, SecretField field) => new(SecretScope, completionHash, RowKey, field);
}
