using System.Diagnostics.CodeAnalysis;

namespace Credentials.Client;

public enum AccessTokenStatus
{
    Issued,

    /// <summary>The provider no longer accepts the connection's grant: the user must connect again.</summary>
    ReauthorizationRequired,

    /// <summary>The user has no such connection.</summary>
    NotFound,

    /// <summary>This service is not allowed to read the connection's token (or its own token was refused).</summary>
    Forbidden,

    /// <summary>Retrying later can work: see <see cref="AccessTokenResult.RetryAfter"/>.</summary>
    Unavailable,

    /// <summary>
    /// No token of the asked scopes can be had (<see cref="AccessTokenResult.ProblemCode"/>: <c>invalid_scope</c>,
    /// <c>scope_narrowing_unsupported</c> or <c>provider_scope_too_broad</c>); asking without scopes gives the connection's token.
    /// </summary>
    ScopeRefused,
}

/// <summary>A user's provider access token; <see cref="ToString"/> never shows its value.</summary>
public sealed record ProviderAccessToken(string Value, string TokenType, DateTimeOffset ExpiresAt, IReadOnlyList<string> Scopes, string Provider)
{
    public override string ToString() => $"ProviderAccessToken {{ Provider = {Provider}, TokenType = {TokenType}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>The outcome of asking for an access token. Expected outcomes are values; this client never throws for them.</summary>
public sealed record AccessTokenResult(AccessTokenStatus Status, ProviderAccessToken? Token = null, TimeSpan? RetryAfter = null, string? ProblemCode = null)
{
    [MemberNotNullWhen(true, nameof(Token))]
    public bool Succeeded => Status == AccessTokenStatus.Issued && Token is not null;
}
