using System.Text.Json.Serialization;

namespace Credentials.Functions.OAuthConnect;

/// <summary>Body of <c>POST /api/users/{userId}/connections</c>.</summary>
public sealed record StartConnectionRequest(
    [property: JsonPropertyName("provider")] string? Provider,
    [property: JsonPropertyName("connectionId")] string? ConnectionId,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string>? Scopes,
    [property: JsonPropertyName("returnUrl")] string? ReturnUrl);

/// <summary>Where to send the user's browser to grant access, and until when that link works.</summary>
public sealed record StartConnectionResponse(
    [property: JsonPropertyName("connectionId")] string ConnectionId,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("authorizationUrl")] Uri AuthorizationUrl,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt);

/// <summary>Why a start was refused: an HTTP status and a stable problem code.</summary>
public sealed record StartRejection(int Status, string Code, string Title, string Detail);

public readonly record struct StartResult(StartConnectionResponse? Started, StartRejection? Rejection);

/// <summary>Body of <c>POST /api/users/{userId}/connections/{connectionId}/complete</c>.</summary>
public sealed record CompleteConnectionRequest([property: JsonPropertyName("completion")] string? Completion)
{
    public override string ToString() => "CompleteConnectionRequest { Completion = *** }";
}
