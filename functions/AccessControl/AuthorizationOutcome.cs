namespace Credentials.Functions.AccessControl;

public enum AuthorizationVerdict
{
    Allowed,
    Denied,

    /// <summary>The decision could not be made: the request is refused (fail closed) and may be retried.</summary>
    Unavailable,
}

public readonly record struct AuthorizationOutcome(AuthorizationVerdict Verdict, string Reason, TimeSpan? RetryAfter = null);
