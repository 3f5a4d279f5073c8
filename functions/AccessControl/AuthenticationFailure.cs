namespace Credentials.Functions.AccessControl;

/// <summary>Why a request's bearer token did not authenticate a caller (RFC 6750), kept apart for the answer each gets.</summary>
public enum AuthenticationFailureKind
{
    /// <summary>No credentials were presented at all (RFC 6750: no error code).</summary>
    Missing,

    /// <summary>RFC 6750 <c>invalid_token</c>: malformed, expired, badly signed, an untrusted issuer or subject.</summary>
    InvalidToken,

    /// <summary>A well-signed token made out to another audience, or to none: still <c>invalid_token</c>, told apart for the caller.</summary>
    WrongAudience,

    /// <summary>The issuer's signing keys could not be had: the token may be fine, so this is not a 401 but a 503.</summary>
    KeysUnavailable,
}

/// <summary>
/// A failed authentication, as the failure of <see cref="CallerAuthenticator.AuthenticateAsync"/>'s
/// <c>Result&lt;Caller, AuthenticationFailure&gt;</c>: what kind, and a description safe to show the caller.
/// </summary>
public sealed record AuthenticationFailure(AuthenticationFailureKind Kind, string Description)
{
    public static AuthenticationFailure Missing { get; } = new(AuthenticationFailureKind.Missing, "A bearer token is required.");

    public static AuthenticationFailure KeysUnavailable { get; } =
        new(AuthenticationFailureKind.KeysUnavailable, "The issuer's signing keys cannot be fetched right now; retry later.");

    public static AuthenticationFailure Invalid(string description) => new(AuthenticationFailureKind.InvalidToken, description);

    public static AuthenticationFailure WrongAudience(string description) => new(AuthenticationFailureKind.WrongAudience, description);
}
