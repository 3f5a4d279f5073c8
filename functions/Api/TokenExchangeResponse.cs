using System.Text.Json.Serialization;
using Credentials.Functions.Refresh;

namespace Credentials.Functions.Api;

/// <summary>An RFC 8693 §2.2.1 response: the user's provider access token (never the refresh token).</summary>
public sealed record TokenExchangeResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("issued_token_type")] string IssuedTokenType,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("scope")] string Scope)
{
    public static TokenExchangeResponse From(IssuedAccessToken token, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(token);
        return new(token.AccessToken, TokenExchangeRequest.AccessTokenType, token.TokenType,
            Math.Max(0, (long)Math.Floor((token.ExpiresAt - now).TotalSeconds)), string.Join(' ', token.Scopes));
    }

    public override string ToString() => $"TokenExchangeResponse {{ TokenType = {TokenType}, ExpiresIn = {ExpiresIn} }}";
}
