namespace Credentials.Functions.AccessControl;

public enum CallerKind
{
    /// <summary>A service: an Authress service client, or a workload identity from an OIDC issuer.</summary>
    Service,

    /// <summary>A person signed in through a trusted issuer; may manage their own connections (self-service).</summary>
    User,
}

/// <summary>An authenticated caller. <see cref="Id"/> is the token's <c>sub</c>, the identity Authress is asked about.</summary>
public sealed record Caller(string Id, CallerKind Kind, string Issuer);
