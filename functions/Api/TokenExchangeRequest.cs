using System.Text;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Credentials.Functions.Api;

/// <summary>
/// An RFC 8693 token-exchange request as this service accepts it (docs/client.md): the subject is a user id of this
/// service, the target names one of the user's connections, and the caller's JWT comes in the <c>Authorization</c>
/// header or as the actor token. <see cref="Scopes"/> asks for a token narrower than the connection's grant.
/// </summary>
public sealed record TokenExchangeRequest(string UserId, string ConnectionId, string Authorization, ScopeSet? Scopes)
{
    public const string GrantType = "urn:ietf:params:oauth:grant-type:token-exchange";
    public const string UserIdTokenType = "urn:credentials:params:oauth:token-type:user-id";
    public const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
    public const string JwtTokenType = "urn:ietf:params:oauth:token-type:jwt";
    public const string ConnectionResourcePrefix = "urn:credentials:connection:";

    public static async Task<Result<TokenExchangeRequest, OAuthError>> ReadAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasFormContentType)
        {
            return new OAuthError(OAuthErrors.InvalidRequest,
                $"The body must be application/x-www-form-urlencoded (RFC 6749 §4.1.3), not {(request.ContentType is { Length: > 0 } type ? type : "absent")}.",
                ProblemCodes.UnsupportedContentType);
        }

        if (await JsonBody.ReadLimitedAsync(request.Body, request.HttpContext.RequestAborted) is not { } body)
        {
            return new OAuthError(OAuthErrors.InvalidRequest, $"The body is larger than {JsonBody.MaxBytes} bytes.", ProblemCodes.RequestTooLarge);
        }

        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body.Span));
        // RFC 6749 §3.2: request parameters must not be included more than once.
        if (form.FirstOrDefault(pair => pair.Value.Count > 1) is { Key: { } repeated })
        {
            return Invalid(OAuthErrors.InvalidRequest, $"The parameter {repeated} is repeated.");
        }

        if (Value(form, "grant_type") != GrantType)
        {
            return Invalid(OAuthErrors.UnsupportedGrantType, $"grant_type must be {GrantType}.");
        }

        if (Value(form, "subject_token") is not { Length: > 0 } userId || Value(form, "subject_token_type") != UserIdTokenType)
        {
            return Invalid(OAuthErrors.InvalidRequest, $"subject_token must be a user id with subject_token_type {UserIdTokenType}.");
        }

        if (Value(form, "requested_token_type") is { } requested && requested != AccessTokenType)
        {
            return Invalid(OAuthErrors.InvalidRequest, $"Only {AccessTokenType} can be requested.");
        }

        if (Target(form) is not { Length: > 0 } connectionId)
        {
            return Invalid(OAuthErrors.InvalidTarget, $"Name one connection: audience=<connectionId> or resource={ConnectionResourcePrefix}<connectionId>.");
        }

        var header = request.Headers.Authorization.ToString();
        var actorToken = Value(form, "actor_token");
        if (actorToken is not null && (header.Length > 0 || Value(form, "actor_token_type") != JwtTokenType))
        {
            return Invalid(OAuthErrors.InvalidRequest, $"Authenticate once: the Authorization header, or actor_token with actor_token_type {JwtTokenType}.");
        }

        ScopeSet? scopes = null;
        if (Value(form, "scope") is { } scope && (scopes = ScopeSet.Parse(scope, out var malformed)) is null)
        {
            return Invalid(OAuthErrors.InvalidScope, malformed!);
        }

        return new TokenExchangeRequest(userId, connectionId, actorToken is null ? header : "Bearer " + actorToken, scopes);
    }

    /// <summary>The connection named by <c>audience</c> or <c>resource</c>; null when neither or both name one, or they disagree.</summary>
    private static string? Target(Dictionary<string, StringValues> form)
    {
        var audience = Value(form, "audience");
        var resource = Value(form, "resource") is { } uri
            ? uri.StartsWith(ConnectionResourcePrefix, StringComparison.Ordinal) ? uri[ConnectionResourcePrefix.Length..] : string.Empty
            : null;
        return (audience, resource) switch
        {
            (null, null) => null,
            (not null, null) => audience,
            (null, not null) => resource,
            _ => audience == resource ? audience : null,
        };
    }

    private static string? Value(Dictionary<string, StringValues> form, string name) =>
        form.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    private static OAuthError Invalid(string error, string description) => new(error, description);

    public override string ToString() => $"TokenExchangeRequest {{ UserId = {UserId}, ConnectionId = {ConnectionId}, Authorization = *** }}";
}
