namespace Credentials.SandboxProvider;

/// <summary>How the sandbox authorization server behaves; the defaults match the strictest real providers.</summary>
public sealed class SandboxProviderOptions
{
    public string ClientId { get; set; } = "credentials-service";

    public string ClientSecret { get; set; } = "sandbox-secret";

    /// <summary>
    /// The provider's own API, as a resource server: the audience of every access token, and the client that may
    /// introspect them (RFC 7662) and see their scopes.
    /// </summary>
    public string ApiClientId { get; set; } = "sandbox-api";

    public string ApiClientSecret { get; set; } = "sandbox-api-secret";

    /// <summary>Exact redirect URIs the client may use (RFC 9700: no prefix matching).</summary>
    public IList<Uri> RedirectUris { get; } = [];

    /// <summary>Each refresh returns a new refresh token and marks the used one redeemed (GitHub, Xero, Atlassian).</summary>
    public bool RotateRefreshTokens { get; set; } = true;

    /// <summary>Presenting a redeemed refresh token again revokes the whole grant (Okta, Salesforce, Auth0).</summary>
    public bool DetectRefreshTokenReuse { get; set; } = true;

    /// <summary>
    /// With reuse detection: how long a rotated refresh token is still accepted (Okta 30 s, Atlassian 10 min, Xero
    /// 30 min). Unset: not at all.
    /// </summary>
    public TimeSpan? RefreshTokenReuseGrace { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>When set, every token response names this as the user's own API host (<c>instance_url</c>, as Salesforce does).</summary>
    public Uri? InstanceUrl { get; set; }

    /// <summary>When set, the authorization endpoint approves at once as this user (tests); otherwise it shows a consent page.</summary>
    public string? AutoApproveAs { get; set; }

    /// <summary>
    /// API keys the keyed API (<c>/keyed/…</c>, header <c>X-Api-Key</c>) accepts, each with the user it stands for; tests
    /// add and remove keys while the server runs (a removed key is a revoked one).
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> ApiKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>User names and passwords the basic API (<c>/basic/…</c>, HTTP basic) accepts; changeable while the server runs.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> BasicUsers { get; } = new(StringComparer.Ordinal);

    /// <summary>Scopes clients may ask for; with <c>openid</c> the token response carries an ID token naming the user.</summary>
    public IList<string> Scopes { get; } = ["openid", "offline_access", "profile", "sandbox.read", "sandbox.write"];
}
