using System.Text.Json.Serialization;
using Credentials.Functions.Connections;

namespace Credentials.Functions.Import;

/// <summary>
/// Body of <c>POST /api/users/{userId}/connections/{connectionId}/import</c>: a grant another system holds. The access
/// token and its expiry are accepted so that an export can be sent as it is; the refresh that proves the grant issues a
/// fresh access token, which is the one stored.
/// </summary>
public sealed record ImportGrantRequest(
    [property: JsonPropertyName("provider")] string? Provider,
    [property: JsonPropertyName("refreshToken")] string? RefreshToken,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string>? Scopes = null,
    [property: JsonPropertyName("accessToken")] string? AccessToken = null,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset? ExpiresAt = null,
    [property: JsonPropertyName("replace")] bool Replace = false)
{
    public override string ToString() => $"ImportGrantRequest {{ Provider = {Provider}, RefreshToken = ***, Replace = {Replace} }}";
}

public enum ImportFailureReason
{
    /// <summary>The body is missing a field or holds one out of bounds.</summary>
    InvalidRequest,

    UnknownProvider,

    /// <summary>The connection is in use (active or refreshing) and the request did not ask to replace it.</summary>
    ConnectionActive,

    /// <summary>The provider refused the refresh token (<c>invalid_grant</c>): it is revoked, expired or already rotated.</summary>
    GrantRejected,

    /// <summary>The provider refused the refresh for another reason, usually this service's client configuration.</summary>
    ProviderRejected,

    ProviderUnavailable,
}

/// <summary>Why an import stored nothing, with a detail for the caller (never a secret).</summary>
public sealed record ImportFailure(ImportFailureReason Reason, string Detail, TimeSpan? RetryAfter = null);

/// <summary>The stored connection; <see cref="Replayed"/> when the same import had already been done and nothing changed.</summary>
public sealed record ImportedGrant(ConnectionRecord Record, bool Replayed);
