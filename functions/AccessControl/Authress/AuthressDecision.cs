namespace Credentials.Functions.AccessControl.Authress;

public enum AuthressVerdict
{
    Allowed,
    Denied,

    /// <summary>No answer could be had (unreachable, 5xx, throttled, or Authress refused this service client): fail closed.</summary>
    Unavailable,
}

/// <summary>Authress' answer to one authorizeUser call, as a value. <see cref="Reason"/> is a stable code.</summary>
public readonly record struct AuthressDecision(AuthressVerdict Verdict, string Reason, TimeSpan? RetryAfter = null);
