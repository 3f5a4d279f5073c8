using Credentials.Functions.Foundation;

namespace Credentials.Functions.Providers;

/// <summary>What a preset fills in for a provider; every value can still be overridden by settings.</summary>
internal sealed record ProviderPreset
{
    public required string Name { get; init; }

    public required string DisplayName { get; init; }

    /// <summary>OAuth, or a secret the user submits (<c>api_key</c>, <c>basic</c>): then only the secret settings apply.</summary>
    public CredentialKind Kind { get; init; } = CredentialKind.OAuth;

    public Func<ProviderSettings, Uri?> AuthorizationEndpoint { get; init; } = _ => null;

    public Func<ProviderSettings, Uri?> TokenEndpoint { get; init; } = _ => null;

    public Func<ProviderSettings, Uri?> RevocationEndpoint { get; init; } = _ => null;

    public Func<ProviderSettings, Uri?> Issuer { get; init; } = _ => null;

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public char ScopeSeparator { get; init; } = ' ';

    public IReadOnlyDictionary<string, string> AuthorizeParameters { get; init; } = new Dictionary<string, string>();

    public ClientAuthenticationMethod ClientAuthentication { get; init; } = ClientAuthenticationMethod.ClientSecretPost;

    public TimeSpan DefaultAccessTokenLifetime { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Unused this long, the provider's refresh token dies (as it documents); null: no such limit, or not documented.</summary>
    public TimeSpan? RefreshTokenIdleLifetime { get; init; }

    /// <summary>This long after the user's consent the grant dies whatever happens (as the provider documents); null: none known.</summary>
    public TimeSpan? RefreshTokenAbsoluteLifetime { get; init; }

    public bool UsesDiscovery { get; init; }

    /// <summary>The reuse grace the provider documents for a rotated refresh token; null when it has none or does not say.</summary>
    public TimeSpan? RotationGracePeriod { get; init; }

    /// <summary>Revoking one token ends the user's whole grant with this provider.</summary>
    public bool RevocationEndsGrant { get; init; }

    /// <summary>Settings the preset cannot work without, beyond the client credentials.</summary>
    public IReadOnlyList<string> RequiredSettings { get; init; } = [];

    public IReadOnlyList<string> InvalidGrantErrors { get; init; } = [];

    public ScopeNarrowing ScopeNarrowing { get; init; } = ScopeNarrowing.Unsupported;

    /// <summary>The resource the provider gives scopes that name none (Entra: <c>Mail.Read</c> is Microsoft Graph's).</summary>
    public string? DefaultScopeResource { get; init; }

    /// <summary>The token-response parameter that names the user's own API host (Salesforce's <c>instance_url</c>).</summary>
    public string? InstanceUrlParameter { get; init; }

    /// <summary>Hosts an instance URL may have: an exact host, or a suffix starting with a dot.</summary>
    public IReadOnlyList<string> InstanceUrlHosts { get; init; } = [];

    /// <summary>The provider's APIs the proxy may call, by name (see <see cref="ProviderApi"/>).</summary>
    public Func<ProviderSettings, IReadOnlyDictionary<string, string>> ApiBaseUrls { get; init; } = _ => new Dictionary<string, string>();

    /// <summary>Paths of the provider's APIs the proxy always refuses (its OAuth, session and credential-minting endpoints; see <see cref="ApiPathPolicy"/>).</summary>
    public IReadOnlyList<string> ApiPathDeny { get; init; } = [];
}
