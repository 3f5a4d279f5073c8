namespace Credentials.Functions.Providers;

/// <summary>
/// One provider as configured under <c>Providers:{id}</c>. Anything left unset is filled in by the <see cref="Preset"/>;
/// anything set wins over the preset.
/// </summary>
public sealed class ProviderSettings
{
    public string? Preset { get; set; }

    public string? DisplayName { get; set; }

    public string? ClientId { get; set; }

    /// <summary>In Azure a Key Vault reference (<c>@Microsoft.KeyVault(...)</c>) resolved by the platform; never committed.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>OIDC issuer: endpoints are discovered from it when not set, and it is the expected RFC 9207 <c>iss</c>.</summary>
    public Uri? Issuer { get; set; }

    public Uri? AuthorizationEndpoint { get; set; }

    public Uri? TokenEndpoint { get; set; }

    /// <summary>RFC 7009 endpoint; providers without one are only forgotten on disconnect, not revoked.</summary>
    public Uri? RevocationEndpoint { get; set; }

    /// <summary>Scopes every connection asks for; keep them minimal.</summary>
    public IList<string>? Scopes { get; set; }

    /// <summary>Further scopes a caller may ask for when starting a connection.</summary>
    public IList<string>? AllowedScopes { get; set; }

    public IDictionary<string, string>? AuthorizeParameters { get; set; }

    /// <summary><c>client_secret_basic</c> or <c>client_secret_post</c>.</summary>
    public string? ClientAuthentication { get; set; }

    public bool? UsePkce { get; set; }

    /// <summary>Assumed access-token lifetime when the token response has no <c>expires_in</c>.</summary>
    public TimeSpan? DefaultAccessTokenLifetime { get; set; }

    /// <summary>Whether the authorization response must carry <c>iss</c> (RFC 9207); discovery can also switch it on.</summary>
    public bool? RequireIssuerParameter { get; set; }

    /// <summary>Microsoft Entra ID: the tenant id or <c>organizations</c>/<c>common</c>/<c>consumers</c>.</summary>
    public string? Tenant { get; set; }

    /// <summary>Salesforce: the login host, e.g. <c>login.salesforce.com</c>, <c>test.salesforce.com</c> or a My Domain host.</summary>
    public string? Domain { get; set; }

    /// <summary>How often an idle connection is refreshed to keep its grant alive (at most half <see cref="RefreshTokenIdleLifetime"/>).</summary>
    public TimeSpan? KeepAliveInterval { get; set; }

    /// <summary>
    /// How long the provider keeps an unused refresh token (its inactivity expiry), where it documents one: keep-alive
    /// refreshes at least twice within it, and <c>expiring_soon</c> is raised when refreshes failed so long that it nears.
    /// </summary>
    public TimeSpan? RefreshTokenIdleLifetime { get; set; }

    /// <summary>How long after the user's consent the provider ends the grant whatever happens; <c>expiring_soon</c> is raised before it.</summary>
    public TimeSpan? RefreshTokenAbsoluteLifetime { get; set; }

    /// <summary>
    /// How long the provider still accepts a refresh token after it rotated it (its reuse grace). Set only where the
    /// provider documents one; the refresh lease for this provider is then kept to a third of it, so that another
    /// instance taking over from a crashed holder still presents the old token inside the grace (docs/refresh.md).
    /// </summary>
    public TimeSpan? RotationGracePeriod { get; set; }

    /// <summary>
    /// Whether revoking one refresh token ends the user's whole grant (or token family) at the provider. When true, a
    /// refresh token the service drops (replaced by a reconnect, or a superseded refresh result) is not revoked, because
    /// that would end the grant the service keeps; it is only forgotten.
    /// </summary>
    public bool? RevocationEndsGrant { get; set; }

    /// <summary>
    /// Whether the provider issues a token for a subset of the grant when a refresh names <c>scope</c> (RFC 6749 §6):
    /// <c>Subset</c>, <c>MultiResource</c> (Microsoft Entra) or <c>Unsupported</c>. Set <c>Subset</c> only for a provider
    /// that really narrows: the service also refuses any answer whose stated scope is broader than asked.
    /// </summary>
    public ScopeNarrowing? ScopeNarrowing { get; set; }

    /// <summary>
    /// With <c>MultiResource</c>: resources beyond a connection's grant that callers may ask for a token of, by name
    /// (<c>NarrowableResources:arm</c> = <c>https://management.azure.com</c>). Unset: only the resources of the grant's
    /// own scopes. A caller also needs <c>credentials:resource.read</c> on the named resource (docs/authorization.md).
    /// </summary>
    public Dictionary<string, string>? NarrowableResources { get; set; }

    /// <summary>
    /// The provider's APIs the proxy may call with a connection's token, by name (<c>ApiBaseUrls:graph</c>) or as a list
    /// (<c>ApiBaseUrls:0</c>); added to the preset's, replacing one of the same name (docs/proxy.md).
    /// </summary>
    public Dictionary<string, string>? ApiBaseUrls { get; set; }

    /// <summary>
    /// A token-response parameter naming each user's own API host (the <c>salesforce</c> preset sets <c>instance_url</c>).
    /// The proxy then offers it as the API <c>instance</c>, first in the list.
    /// </summary>
    public string? InstanceUrlParameter { get; set; }

    /// <summary>Hosts an instance URL may have: exact hosts, or suffixes starting with a dot (<c>.my.salesforce.com</c>).</summary>
    public IList<string>? InstanceUrlHosts { get; set; }

    /// <summary>
    /// More paths the proxy refuses on this provider's APIs (<c>ApiPathDeny:0</c> = <c>POST v1/admin/*</c>), added to
    /// the preset's, which always apply (<see cref="ApiPathPolicy"/>, docs/proxy.md).
    /// </summary>
    public IList<string>? ApiPathDeny { get; set; }

    /// <summary><c>api_key</c> preset: the header the key is sent in (default <c>Authorization</c>).</summary>
    public string? SecretHeader { get; set; }

    /// <summary><c>api_key</c> preset: the header's value, with <c>{secret}</c> where the key goes (default <c>Bearer {secret}</c>).</summary>
    public string? SecretFormat { get; set; }

    /// <summary>
    /// <c>api_key</c> and <c>basic</c> presets: a URL under one of <see cref="ApiBaseUrls"/> that answers 2xx to a GET with a
    /// valid secret and 401 or 403 without one; checked when a secret is submitted and by the maintenance walk every
    /// <see cref="KeepAliveInterval"/>. Unset: secrets are stored unchecked.
    /// </summary>
    public Uri? ProbeUrl { get; set; }

    /// <summary>
    /// <c>api_key</c> and <c>basic</c> presets: how long a probe may take before it counts as unanswered (default 10 s,
    /// 1 s to 60 s). An unanswered probe changes nothing about the connection.
    /// </summary>
    public TimeSpan? ProbeTimeout { get; set; }

    /// <summary>
    /// <c>api_key</c> and <c>basic</c> presets: whether <c>credentials:read</c> callers may be handed the secret itself. Off
    /// by default: it does not expire, so the proxy, which never lets it out, is the safer path.
    /// </summary>
    public bool? AllowSecretHandout { get; set; }
}

/// <summary>Every configured provider, keyed by provider id (the <c>{id}</c> of <c>Providers:{id}:…</c>).</summary>
public sealed class ProvidersOptions
{
    public const string SectionName = "Providers";

    public Dictionary<string, ProviderSettings> Providers { get; } = new(StringComparer.Ordinal);
}
