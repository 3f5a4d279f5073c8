using Credentials.Functions.Foundation;

namespace Credentials.Functions.Providers;

/// <summary>
/// Endpoints and quirks of the providers teams connect most, so a deployment only configures a client id and secret.
/// docs/providers.md describes each; the facts behind them are in the providers' own OAuth documentation.
/// </summary>
internal static class ProviderPresets
{
    public const string Google = "google";
    public const string Microsoft = "microsoft";
    public const string GitHub = "github";
    public const string Slack = "slack";
    public const string Salesforce = "salesforce";
    public const string Atlassian = "atlassian";
    public const string Xero = "xero";
    public const string HubSpot = "hubspot";
    public const string OAuth2 = "oauth2";
    public const string Oidc = "oidc";
    public const string ApiKey = "api_key";
    public const string Basic = "basic";

    private static readonly Dictionary<string, ProviderPreset> All = new ProviderPreset[]
    {
        new()
        {
            Name = Google,
            DisplayName = "Google",
            AuthorizationEndpoint = _ => new Uri("https://accounts.google.com/o/oauth2/v2/auth"),
            TokenEndpoint = _ => new Uri("https://oauth2.googleapis.com/token"),
            RevocationEndpoint = _ => new Uri("https://oauth2.googleapis.com/revoke"),
            Issuer = _ => new Uri("https://accounts.google.com"),
            Scopes = ["openid", "email"],
            // Without offline access Google issues no refresh token; without consent it may skip one on a repeat grant.
            AuthorizeParameters = new Dictionary<string, string> { ["access_type"] = "offline", ["prompt"] = "consent" },
            // Revoking any Google token removes the app's access for that account, including newer refresh tokens.
            RevocationEndsGrant = true,
            // A refresh token unused for six months expires.
            RefreshTokenIdleLifetime = TimeSpan.FromDays(180),
            ApiBaseUrls = _ => Apis(("default", "https://www.googleapis.com"), ("gmail", "https://gmail.googleapis.com")),
            // Token introspection and exchange endpoints under the API host.
            ApiPathDeny = ["oauth2", "identitytoolkit"],
        },
        new()
        {
            Name = Microsoft,
            DisplayName = "Microsoft",
            AuthorizationEndpoint = s => new Uri($"https://login.microsoftonline.com/{Uri.EscapeDataString(s.Tenant ?? string.Empty)}/oauth2/v2.0/authorize"),
            TokenEndpoint = s => new Uri($"https://login.microsoftonline.com/{Uri.EscapeDataString(s.Tenant ?? string.Empty)}/oauth2/v2.0/token"),
            Scopes = ["openid", "offline_access"],
            RequiredSettings = [nameof(ProviderSettings.Tenant)],
            // Entra refresh tokens expire after 90 days of inactivity.
            RefreshTokenIdleLifetime = TimeSpan.FromDays(90),
            // Entra's refresh tokens are multi-resource: the same grant yields tokens for another consented resource.
            ScopeNarrowing = ScopeNarrowing.MultiResource,
            DefaultScopeResource = "https://graph.microsoft.com",
            ApiBaseUrls = _ => Apis(("graph", "https://graph.microsoft.com")),
            // Credentials of apps and service principals: a proxy caller must not mint its own way in.
            ApiPathDeny =
            [
                "*/applications/*/addPassword", "*/applications/*/addKey", "*/applications/*/federatedIdentityCredentials",
                "*/servicePrincipals/*/addPassword", "*/servicePrincipals/*/addKey", "*/servicePrincipals/*/addTokenSigningCertificate",
            ],
        },
        new()
        {
            Name = GitHub,
            DisplayName = "GitHub",
            AuthorizationEndpoint = _ => new Uri("https://github.com/login/oauth/authorize"),
            TokenEndpoint = _ => new Uri("https://github.com/login/oauth/access_token"),
            InvalidGrantErrors = ["bad_refresh_token"],
            DefaultAccessTokenLifetime = TimeSpan.FromHours(8),
            // A GitHub App's refresh token lives 6 months; each refresh issues a new one.
            RefreshTokenIdleLifetime = TimeSpan.FromDays(180),
            ApiBaseUrls = _ => Apis(("default", "https://api.github.com")),
            // Adding keys or tokens to the user's account would outlive the grant; token management of the app itself.
            ApiPathDeny = ["POST user/keys", "POST user/gpg_keys", "POST user/ssh_signing_keys", "authorizations", "applications"],
        },
        new()
        {
            Name = Slack,
            DisplayName = "Slack",
            AuthorizationEndpoint = _ => new Uri("https://slack.com/oauth/v2/authorize"),
            TokenEndpoint = _ => new Uri("https://slack.com/api/oauth.v2.access"),
            ScopeSeparator = ',',
            InvalidGrantErrors = ["invalid_refresh_token", "token_revoked", "token_expired"],
            DefaultAccessTokenLifetime = TimeSpan.FromHours(12),
            ApiBaseUrls = _ => Apis(("default", "https://slack.com/api")),
            // Revoking or exchanging the token ends or copies the grant.
            ApiPathDeny = ["auth.revoke", "oauth.access", "oauth.v2.access", "oauth.v2.exchange", "openid.connect.token"],
        },
        new()
        {
            Name = Salesforce,
            DisplayName = "Salesforce",
            AuthorizationEndpoint = s => new Uri($"https://{SalesforceHost(s)}/services/oauth2/authorize"),
            TokenEndpoint = s => new Uri($"https://{SalesforceHost(s)}/services/oauth2/token"),
            RevocationEndpoint = s => new Uri($"https://{SalesforceHost(s)}/services/oauth2/revoke"),
            Scopes = ["api", "refresh_token"],
            // Salesforce sends no expires_in; sessions can time out after 15 minutes, so assume the shortest.
            DefaultAccessTokenLifetime = TimeSpan.FromMinutes(15),
            // Each org's REST API lives on its own instance, named in every token response.
            InstanceUrlParameter = "instance_url",
            InstanceUrlHosts = [".salesforce.com", ".force.com", ".cloudforce.com", ".salesforce.mil"],
            // The instance is the whole org origin: its OAuth endpoints (incl. the single-access bridge that trades the bearer
            // for a browser session) and its session pages are never proxied.
            ApiPathDeny = ["services/oauth2", "services/auth", "secur", "frontdoor.jsp"],
        },
        new()
        {
            Name = Atlassian,
            DisplayName = "Atlassian",
            AuthorizationEndpoint = _ => new Uri("https://auth.atlassian.com/authorize"),
            TokenEndpoint = _ => new Uri("https://auth.atlassian.com/oauth/token"),
            Scopes = ["offline_access"],
            AuthorizeParameters = new Dictionary<string, string> { ["audience"] = "api.atlassian.com", ["prompt"] = "consent" },
            // Atlassian's rotating refresh tokens keep a 10-minute reuse interval.
            RotationGracePeriod = TimeSpan.FromMinutes(10),
            // 90 days of inactivity, and 365 days after consent whatever happens.
            RefreshTokenIdleLifetime = TimeSpan.FromDays(90),
            RefreshTokenAbsoluteLifetime = TimeSpan.FromDays(365),
            // Jira and Confluence cloud APIs live under /ex/jira/{cloudId} and /ex/confluence/{cloudId} of this host.
            ApiBaseUrls = _ => Apis(("default", "https://api.atlassian.com")),
        },
        new()
        {
            Name = Xero,
            DisplayName = "Xero",
            AuthorizationEndpoint = _ => new Uri("https://login.xero.com/identity/connect/authorize"),
            TokenEndpoint = _ => new Uri("https://identity.xero.com/connect/token"),
            RevocationEndpoint = _ => new Uri("https://identity.xero.com/connect/revocation"),
            Issuer = _ => new Uri("https://identity.xero.com"),
            Scopes = ["openid", "offline_access"],
            ClientAuthentication = ClientAuthenticationMethod.ClientSecretBasic,
            DefaultAccessTokenLifetime = TimeSpan.FromMinutes(30),
            // Xero: the previous refresh token stays valid for 30 minutes after a rotation.
            RotationGracePeriod = TimeSpan.FromMinutes(30),
            // Unused for 60 days, a Xero refresh token expires.
            RefreshTokenIdleLifetime = TimeSpan.FromDays(60),
            // Revoking a Xero token removes the connections of the whole authorisation.
            RevocationEndsGrant = true,
            ApiBaseUrls = _ => Apis(("default", "https://api.xero.com")),
        },
        new()
        {
            Name = HubSpot,
            DisplayName = "HubSpot",
            AuthorizationEndpoint = _ => new Uri("https://app.hubspot.com/oauth/authorize"),
            TokenEndpoint = _ => new Uri("https://api.hubapi.com/oauth/v1/token"),
            Scopes = ["oauth"],
            DefaultAccessTokenLifetime = TimeSpan.FromMinutes(30),
            ApiBaseUrls = _ => Apis(("default", "https://api.hubapi.com")),
        },
        new()
        {
            Name = OAuth2,
            DisplayName = "OAuth 2.0 provider",
            ClientAuthentication = ClientAuthenticationMethod.ClientSecretBasic,
            RequiredSettings = [nameof(ProviderSettings.AuthorizationEndpoint), nameof(ProviderSettings.TokenEndpoint)],
        },
        new()
        {
            Name = Oidc,
            DisplayName = "OpenID Connect provider",
            Scopes = ["openid", "offline_access"],
            ClientAuthentication = ClientAuthenticationMethod.ClientSecretBasic,
            UsesDiscovery = true,
            RequiredSettings = [nameof(ProviderSettings.Issuer)],
        },
        // Not OAuth: the user submits a secret that is only stored and injected (SecretUsageBuilder reads the settings).
        new() { Name = ApiKey, DisplayName = "API key", Kind = CredentialKind.ApiKey },
        new() { Name = Basic, DisplayName = "Basic credentials", Kind = CredentialKind.Basic },
    }.ToDictionary(preset => preset.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => All.Keys;

    public static ProviderPreset? Find(string? name) => name is not null && All.TryGetValue(name, out var preset) ? preset : null;

    private static Dictionary<string, string> Apis(params (string Name, string BaseUrl)[] apis) =>
        apis.ToDictionary(api => api.Name, api => api.BaseUrl, StringComparer.Ordinal);

    private static string SalesforceHost(ProviderSettings settings) => settings.Domain is { Length: > 0 } domain ? domain : "login.salesforce.com";
}
