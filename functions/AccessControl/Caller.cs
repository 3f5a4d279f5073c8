namespace Credentials.Functions.AccessControl;

public enum CallerKind
{
    /// <summary>A service: an Authress service client, or a workload identity from an OIDC issuer.</summary>
    Service,

    /// <summary>A person signed in through a trusted issuer; may manage their own connections (self-service).</summary>
    User,
}

/// <summary>
/// An authenticated caller. <see cref="Id"/> is its principal: the issuer's <see cref="TrustedIssuer.SubjectPrefix"/>
/// followed by the token's <see cref="Subject"/>; it is the user id Authress is asked about, the caller in audit rows,
/// and, for a user, its own user id here. <see cref="Issuer"/> is the trusted issuer the token matched.
/// </summary>
public sealed record Caller(string Id, CallerKind Kind, string Issuer, string Subject)
{
    /// <summary>Issuer and subject: caches and rate limits are keyed by it, so equal subjects of two issuers never share an entry.</summary>
    public string Key { get; } = Issuer + "\n" + Subject;
}
