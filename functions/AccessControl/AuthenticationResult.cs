namespace Credentials.Functions.AccessControl;

/// <summary>Outcome of authenticating a request, as a value. A failure carries an RFC 6750 error and a safe description.</summary>
public readonly record struct AuthenticationResult(Caller? Caller, string? Error, string? Description, bool AudienceRejected = false)
{
    public const string KeysUnavailableError = "temporarily_unavailable";

    public bool Succeeded => Caller is not null;

    public static AuthenticationResult Success(Caller caller) => new(caller, null, null);

    /// <summary>No credentials were presented at all (RFC 6750: no error code).</summary>
    public static AuthenticationResult Missing() => new(null, null, "A bearer token is required.");

    public static AuthenticationResult Invalid(string description) => new(null, "invalid_token", description);

    /// <summary>A well-signed token made out to another audience, or to none: still <c>invalid_token</c>, told apart for the caller.</summary>
    public static AuthenticationResult WrongAudience(string description) => new(null, "invalid_token", description, AudienceRejected: true);

    /// <summary>The issuer's signing keys could not be had: the token may be fine, so this is not a 401 but a 503.</summary>
    public static AuthenticationResult KeysUnavailable() =>
        new(null, KeysUnavailableError, "The issuer's signing keys cannot be fetched right now; retry later.");

    public bool IsUnavailable => Error == KeysUnavailableError;
}
