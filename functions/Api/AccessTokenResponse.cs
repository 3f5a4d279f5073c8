using System.Text.Json.Serialization;

namespace Credentials.Functions.Api;

/// <summary>Body of a successful access-token response; it never carries the refresh token.</summary>
public sealed record AccessTokenResponse(
    [property: JsonPropertyName("accessToken")] string AccessToken,
    [property: JsonPropertyName("tokenType")] string TokenType,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("connectionId")] string ConnectionId,
    [property: JsonPropertyName("provider")] string Provider);
