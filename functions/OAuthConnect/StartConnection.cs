using System.Text.Json.Serialization;

namespace Credentials.Functions.OAuthConnect;

/// <summary>Body of <c>POST /api/users/{userId}/connections</c>.</summary>
public sealed record StartConnectionRequest(
    [property: JsonPropertyName("provider")] string? Provider,
    [property: JsonPropertyName("connectionId")] string? ConnectionId,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string>? Scopes,
    [property: JsonPropertyName("returnUrl")] string? ReturnUrl,
    [property: JsonPropertyName("responseMode")] string? ResponseMode = null,
    [property: JsonPropertyName("completion")] string? Completion = null,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string?>? Metadata = null);

/// <summary>Where to send the user's browser to grant access, and until when that link works.</summary>
public sealed record StartConnectionResponse(
    [property: JsonPropertyName("connectionId")] string ConnectionId,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("authorizationUrl")] Uri AuthorizationUrl,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt);

public enum StartFailureReason
{
    UnknownProvider,
    InvalidConnectionId,
    ScopeNotAllowed,
    ReturnUrlNotAllowed,
    InvalidOption,
    ProviderUnavailable,
    InvalidMetadata,
}

/// <summary>Why a start was refused, and a detail for the caller that names what is allowed (never a secret).</summary>
public sealed record StartFailure(StartFailureReason Reason, string Detail);

/// <summary>Body of <c>POST /api/users/{userId}/connections/{connectionId}/complete</c>.</summary>
internal sealed record CompleteConnectionRequest([property: JsonPropertyName("completion")] string? Completion)
{
    public override string ToString() => "CompleteConnectionRequest { Completion = *** }";
}
