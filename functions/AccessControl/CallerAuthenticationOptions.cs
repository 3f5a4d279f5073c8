namespace Credentials.Functions.AccessControl;

public enum IssuerKind
{
    /// <summary>An Authress account domain: service-client tokens (<c>iss = {domain}/v1/clients/{id}</c>) and user tokens; keys at <c>{iss}/.well-known/openid-configuration/jwks</c>.</summary>
    Authress,

    /// <summary>A standard OpenID Connect issuer (e.g. Microsoft Entra ID); keys through its discovery document.</summary>
    Oidc,
}

public sealed class TrustedIssuer
{
    /// <summary>Authress: the account's domain (origin). OIDC: the exact <c>iss</c> value.</summary>
    public Uri? Issuer { get; set; }

    public IssuerKind Kind { get; set; } = IssuerKind.Authress;

    /// <summary>
    /// Required <c>aud</c>. OIDC issuers must set it (start-up fails otherwise). For Authress it is optional: service-client
    /// tokens carry <c>{accountId}.accounts.authress.io</c>, and the issuer path already binds them to the account.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>Accepted signature algorithms; defaults to EdDSA for Authress, RS256 and ES256 for OIDC. HS* is never accepted.</summary>
    public List<string> Algorithms { get; init; } = [];

    /// <summary>OIDC only: whether this issuer's tokens represent people (self-service applies) rather than services.</summary>
    public bool IssuesUserTokens { get; set; }

    public IReadOnlyList<string> EffectiveAlgorithms =>
        Algorithms.Count > 0 ? Algorithms : Kind == IssuerKind.Authress ? ["EdDSA"] : ["RS256", "ES256"];
}

public sealed class CallerAuthenticationOptions
{
    public const string SectionName = "Authentication";

    public List<TrustedIssuer> Issuers { get; init; } = [];

    /// <summary>Tolerated clock difference for <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long fetched signing keys are trusted before they are fetched again.</summary>
    public TimeSpan SigningKeyLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Least time between two fetches of one key set when tokens name an unknown <c>kid</c>.</summary>
    public TimeSpan UnknownKeyRefetchInterval { get; set; } = TimeSpan.FromSeconds(30);
}
