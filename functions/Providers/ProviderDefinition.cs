using Credentials.Functions.Foundation;

namespace Credentials.Functions.Providers;

/// <summary>A provider with its preset applied: everything the connect flow and the refresh engine need to talk to it.</summary>
public sealed record ProviderDefinition
{
    public required string Id { get; init; }

    public required string Preset { get; init; }

    public required string DisplayName { get; init; }

    /// <summary>OAuth, or a submitted secret (<see cref="Secret"/> says how it is used).</summary>
    public CredentialKind Kind { get; init; } = CredentialKind.OAuth;

    /// <summary>For <see cref="CredentialKind.ApiKey"/> and <see cref="CredentialKind.Basic"/>: how the secret is sent and checked; null for OAuth.</summary>
    public SecretUsage? Secret { get; init; }

    public required string ClientId { get; init; }

    public required string ClientSecret { get; init; }

    public Uri? Issuer { get; init; }

    /// <summary>Null only for OIDC providers whose endpoints come from discovery.</summary>
    public Uri? AuthorizationEndpoint { get; init; }

    public Uri? TokenEndpoint { get; init; }

    public Uri? RevocationEndpoint { get; init; }

    public required IReadOnlyList<string> Scopes { get; init; }

    public required IReadOnlyList<string> AllowedScopes { get; init; }

    public char ScopeSeparator { get; init; } = ' ';

    public required IReadOnlyDictionary<string, string> AuthorizeParameters { get; init; }

    public required ClientAuthenticationMethod ClientAuthentication { get; init; }

    public required bool UsePkce { get; init; }

    public required TimeSpan DefaultAccessTokenLifetime { get; init; }

    public required bool RequireIssuerParameter { get; init; }

    public required TimeSpan KeepAliveInterval { get; init; }

    /// <summary>How long the provider keeps a grant's refresh token alive (idle, absolute); keep-alive and <c>expiring_soon</c> follow it.</summary>
    public RefreshTokenLifetime RefreshTokenLifetime { get; init; } = RefreshTokenLifetime.Unlimited;

    /// <summary>How long a rotated refresh token stays usable at the provider; null: no recovery from a lost rotation response.</summary>
    public TimeSpan? RotationGracePeriod { get; init; }

    /// <summary>Revoking one refresh token ends the whole grant, so dropped tokens are forgotten, not revoked.</summary>
    public bool RevocationEndsGrant { get; init; }

    /// <summary>Endpoints are read from the issuer's discovery document at first use.</summary>
    public required bool UsesDiscovery { get; init; }

    /// <summary>Provider-specific error codes that mean the grant is gone, as <c>invalid_grant</c> does.</summary>
    public IReadOnlyList<string> InvalidGrantErrors { get; init; } = [];

    /// <summary>Whether a token for fewer scopes than the grant can be asked for (see docs/client.md, narrower tokens).</summary>
    public ScopeNarrowing ScopeNarrowing { get; init; } = ScopeNarrowing.Unsupported;

    /// <summary><see cref="ScopeNarrowing.MultiResource"/>: resources beyond the grant callers may ask for, each under its own name.</summary>
    public IReadOnlyList<NarrowableResource> NarrowableResources { get; init; } = [];

    /// <summary>The resource a scope without one belongs to (Entra: Microsoft Graph); null: <see cref="ScopeResources.Unnamed"/>.</summary>
    public string? DefaultScopeResource { get; init; }

    /// <summary>
    /// The token-response parameter that names each user's own API host (Salesforce's <c>instance_url</c>); it is kept
    /// on the connection when its host is one of <see cref="InstanceUrlHosts"/>, and is the proxy's API <c>instance</c>.
    /// </summary>
    public string? InstanceUrlParameter { get; init; }

    public IReadOnlyList<string> InstanceUrlHosts { get; init; } = [];

    /// <summary>The APIs the proxy may call with this provider's tokens; the first is the default.</summary>
    public IReadOnlyList<ProviderApi> Apis { get; init; } = [];

    /// <summary>Paths of <see cref="Apis"/> the proxy never calls: the preset's and the settings' rules.</summary>
    public ApiPathPolicy ApiPathPolicy { get; init; } = ApiPathPolicy.None;

    public bool AllowsScope(string scope) => Scopes.Contains(scope, StringComparer.Ordinal) || AllowedScopes.Contains(scope, StringComparer.Ordinal);
}
