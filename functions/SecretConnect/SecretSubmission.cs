using Credentials.Functions.Connections;
using Credentials.Functions.Foundation;

namespace Credentials.Functions.SecretConnect;

/// <summary>
/// A secret a user (or an administrator for them) submits for an <c>api_key</c> provider (<see cref="Secret"/>) or a
/// <c>basic</c> one (<see cref="Username"/> and <see cref="Password"/>). Never logged: <see cref="ToString"/> names none of them.
/// </summary>
public sealed record SecretSubmission(ConnectionKey Connection, string ProviderId, string? Secret, string? Username, string? Password)
{
    /// <summary>The longest API key or password accepted, in characters; anything longer is refused, not cut.</summary>
    public const int MaxSecretLength = 4096;

    public const int MaxUsernameLength = 256;

    /// <summary>
    /// The string stored for <paramref name="kind"/> (an API key as it is, basic credentials as <c>user:password</c>), or
    /// null with <paramref name="problem"/> saying what is wrong: a field of the other kind, an empty or oversize value,
    /// a control character (it would break the header), a non-ASCII API key, or a colon in a user name (RFC 7617).
    /// </summary>
    public string? StoredFor(CredentialKind kind, out string problem)
    {
        problem = string.Empty;
        if (kind == CredentialKind.ApiKey)
        {
            if (Username is not null || Password is not null)
            {
                problem = "This provider takes an API key: send { \"secret\": \"...\" } without username or password.";
            }
            else if (Secret is not { Length: > 0 and <= MaxSecretLength } key || key.Any(c => c is < ' ' or > '~'))
            {
                problem = $"\"secret\" must be 1-{MaxSecretLength} printable ASCII characters.";
            }

            return problem.Length == 0 ? Secret : null;
        }

        if (Secret is not null)
        {
            problem = "This provider takes basic credentials: send { \"username\": \"...\", \"password\": \"...\" } without secret.";
        }
        else if (Username is not { Length: > 0 and <= MaxUsernameLength } user || user.Contains(':', StringComparison.Ordinal) || user.Any(char.IsControl))
        {
            problem = $"\"username\" must be 1-{MaxUsernameLength} characters without ':' or control characters.";
        }
        else if (Password is not { Length: > 0 and <= MaxSecretLength } password || password.Any(char.IsControl))
        {
            problem = $"\"password\" must be 1-{MaxSecretLength} characters without control characters.";
        }

        return problem.Length == 0 ? Username + ":" + Password : null;
    }

    public override string ToString() => $"SecretSubmission {{ Connection = {Connection}, ProviderId = {ProviderId} }}";
}

public enum SecretFailureReason
{
    UnknownProvider,

    /// <summary>The provider connects with OAuth: a connection of it is started, not submitted.</summary>
    OAuthProvider,

    /// <summary>Empty, oversize, malformed, or the other kind's fields (<see cref="SecretSubmission.StoredFor"/>).</summary>
    InvalidSecret,

    /// <summary>The connection id holds an OAuth grant: it is disconnected first, never silently turned into a secret.</summary>
    KindMismatch,

    /// <summary>The provider's probe refused the secret: nothing was stored.</summary>
    Rejected,

    /// <summary>The provider's probe could not say: nothing was stored.</summary>
    ProbeUnavailable,
}

/// <summary>Why a secret was not stored, with a safe description (never the secret).</summary>
public sealed record SecretFailure(SecretFailureReason Reason, string Detail);

/// <summary>The stored connection, and whether it replaced an earlier secret (a rotation).</summary>
public sealed record StoredSecret(ConnectionRecord Record, bool Rotated);
