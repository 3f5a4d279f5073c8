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
    /// Accepted <c>aud</c> values; a token must carry one. Required, since an issuer signs tokens for other applications
    /// too. Checked on every OIDC token and on Authress user tokens; Authress service-client tokens carry the account's
    /// <c>{accountId}.accounts.authress.io</c> whatever they are for, and are bound to the account by their issuer path.
    /// </summary>
    public List<string> Audiences { get; init; } = [];

    /// <summary>One accepted <c>aud</c>, as configured before <see cref="Audiences"/>; still read, and added to them.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Authress only: accept this domain's service-client tokens and refuse its user tokens. Such an issuer needs no
    /// <see cref="Audiences"/>.
    /// </summary>
    public bool ServiceClientsOnly { get; set; }

    /// <summary>
    /// Put before the token's <c>sub</c> to name the caller: its Authress user id and its user id here. Required for
    /// OIDC issuers (their subjects are not Authress user ids) and for all but one issuer, so equal subjects from two
    /// issuers are two callers; e.g. <c>entra|</c>.
    /// </summary>
    public string? SubjectPrefix { get; set; }

    /// <summary>Accepted signature algorithms; defaults to EdDSA for Authress, RS256 and ES256 for OIDC. HS* is never accepted.</summary>
    public List<string> Algorithms { get; init; } = [];

    /// <summary>OIDC only: whether this issuer's tokens represent people (self-service applies) rather than services.</summary>
    public bool IssuesUserTokens { get; set; }

    public IReadOnlyList<string> EffectiveAlgorithms =>
        Algorithms.Count > 0 ? Algorithms : Kind == IssuerKind.Authress ? ["EdDSA"] : ["RS256", "ES256"];

    /// <summary><see cref="Audiences"/> and the older single <see cref="Audience"/>, blanks left out.</summary>
    public IReadOnlyList<string> EffectiveAudiences =>
        [.. Audiences.Append(Audience ?? string.Empty).Where(a => !string.IsNullOrWhiteSpace(a)).Distinct(StringComparer.Ordinal)];
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
