using System.Text.Json.Serialization;
using Credentials.Functions.Refresh;

namespace Credentials.Functions.Api;

/// <summary>Body of a successful access-token response; it never carries the refresh token.</summary>
internal sealed record AccessTokenResponse(
    [property: JsonPropertyName("accessToken")] string AccessToken,
    [property: JsonPropertyName("tokenType")] string TokenType,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("connectionId")] string ConnectionId,
    [property: JsonPropertyName("provider")] string Provider)
{
    public static AccessTokenResponse From(IssuedAccessToken token, string connectionId)
    {
        ArgumentNullException.ThrowIfNull(token);
        return new(token.AccessToken, token.TokenType, token.ExpiresAt, string.Join(' ', token.Scopes), connectionId, token.ProviderId);
    }
}
