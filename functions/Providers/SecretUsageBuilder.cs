using Credentials.Functions.Foundation;

namespace Credentials.Functions.Providers;

/// <summary>
/// The provider definition of an <c>api_key</c> or <c>basic</c> preset, and the checks that keep the secret settings
/// and the OAuth settings apart; each bad setting is named, so start-up stops with it.
/// </summary>
internal static class SecretUsageBuilder
{
    private const int MaxFormatLength = 256;

    /// <summary>OAuth settings that mean nothing for a submitted secret; set on such a provider they are a mistake.</summary>
    private static readonly string[] OAuthOnly =
    [
        nameof(ProviderSettings.ClientId), nameof(ProviderSettings.ClientSecret), nameof(ProviderSettings.Issuer),
        nameof(ProviderSettings.AuthorizationEndpoint), nameof(ProviderSettings.TokenEndpoint), nameof(ProviderSettings.RevocationEndpoint),
        nameof(ProviderSettings.Scopes), nameof(ProviderSettings.AllowedScopes), nameof(ProviderSettings.AuthorizeParameters),
        nameof(ProviderSettings.ScopeNarrowing), nameof(ProviderSettings.NarrowableResources), nameof(ProviderSettings.InstanceUrlParameter),
        nameof(ProviderSettings.RotationGracePeriod), nameof(ProviderSettings.RevocationEndsGrant),
    ];

    private static readonly string[] SecretOnly =
    [
        nameof(ProviderSettings.SecretHeader), nameof(ProviderSettings.SecretFormat), nameof(ProviderSettings.ProbeUrl),
        nameof(ProviderSettings.ProbeTimeout), nameof(ProviderSettings.AllowSecretHandout),
    ];

    /// <summary>Headers the secret may not go in: the request's framing, the caller's session, the service's own.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE",
        "Trailer", "Expect", "Cookie", "Proxy-Authorization", "Forwarded", "Via",
    };

    /// <summary>An OAuth preset with secret settings: each is named.</summary>
    public static void RefuseSecretSettings(ProviderSettings settings, string preset, Func<string, string> setting, ICollection<string> failures)
    {
        foreach (var name in SecretOnly.Where(name => IsSet(settings, name)))
        {
            failures.Add($"{setting(name)} is only for the '{ProviderPresets.ApiKey}' and '{ProviderPresets.Basic}' presets, not '{preset}'.");
        }
    }

    public static ProviderDefinition? TryBuild(string id, ProviderPreset preset, ProviderSettings settings, Func<string, string> setting, ICollection<string> failures)
    {
        var before = failures.Count;
        foreach (var name in OAuthOnly.Where(name => IsSet(settings, name)))
        {
            failures.Add($"{setting(name)} is an OAuth setting; the '{preset.Name}' preset stores a secret the user submits and has none.");
        }

        var header = settings.SecretHeader ?? SecretUsage.DefaultHeader;
        var format = settings.SecretFormat ?? SecretUsage.DefaultFormat;
        if (preset.Kind == CredentialKind.Basic && (settings.SecretHeader is not null || settings.SecretFormat is not null))
        {
            failures.Add($"{setting(nameof(ProviderSettings.SecretHeader))} and {nameof(ProviderSettings.SecretFormat)} cannot be set for the '{preset.Name}' preset: "
                + "basic credentials always go in Authorization: Basic.");
        }

        if (!IsToken(header) || ReservedHeaders.Contains(header) || header.StartsWith("X-Credentials-", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{setting(nameof(ProviderSettings.SecretHeader))} must be a header name (RFC 9110 token characters) other than Host, Cookie, "
                + "the Content-*, hop-by-hop and forwarding headers, and X-Credentials-*.");
        }

        if (format.Length > MaxFormatLength || format.Any(c => c is < ' ' or > '~')
            || format.IndexOf(SecretUsage.Placeholder, StringComparison.Ordinal) is var at && (at < 0 || format.IndexOf(SecretUsage.Placeholder, at + 1, StringComparison.Ordinal) >= 0))
        {
            failures.Add($"{setting(nameof(ProviderSettings.SecretFormat))} must hold {SecretUsage.Placeholder} exactly once, in at most {MaxFormatLength} "
                + "printable ASCII characters (e.g. \"Bearer {secret}\" or \"{secret}\").");
        }

        var apis = ProviderApi.Build(new Dictionary<string, string>(), settings.ApiBaseUrls, name => setting($"{nameof(ProviderSettings.ApiBaseUrls)}:{name}"), failures);
        if (apis.Count == 0 && (settings.ApiBaseUrls?.Count ?? 0) == 0)
        {
            failures.Add($"{setting(nameof(ProviderSettings.ApiBaseUrls))} needs at least one API: the proxy is how a '{preset.Name}' secret is used.");
        }

        if (settings.ProbeUrl is { } probe && !apis.Any(api => IsUnder(probe, api.BaseUrl!)))
        {
            failures.Add($"{setting(nameof(ProviderSettings.ProbeUrl))} must be an absolute URL under one of the provider's ApiBaseUrls, "
                + "so the secret is only ever sent to the provider's APIs.");
        }

        var probeTimeout = settings.ProbeTimeout ?? SecretUsage.DefaultProbeTimeout;
        if (probeTimeout < TimeSpan.FromSeconds(1) || probeTimeout > TimeSpan.FromSeconds(60))
        {
            failures.Add($"{setting(nameof(ProviderSettings.ProbeTimeout))} must be from 00:00:01 to 00:01:00.");
        }

        var keepAlive = settings.KeepAliveInterval ?? preset.KeepAliveInterval;
        if (keepAlive < TimeSpan.FromMinutes(15) || keepAlive > TimeSpan.FromDays(30))
        {
            failures.Add($"{setting(nameof(ProviderSettings.KeepAliveInterval))} must be from 00:15:00 to 30.00:00:00.");
        }

        var pathPolicy = ApiPathPolicy.Build([.. settings.ApiPathDeny ?? []], index => setting($"{nameof(ProviderSettings.ApiPathDeny)}:{index}"), failures);
        if (failures.Count > before)
        {
            return null;
        }

        return new ProviderDefinition
        {
            Id = id,
            Preset = preset.Name,
            Kind = preset.Kind,
            DisplayName = settings.DisplayName ?? preset.DisplayName,
            ClientId = string.Empty,
            ClientSecret = string.Empty,
            Scopes = [],
            AllowedScopes = [],
            AuthorizeParameters = new Dictionary<string, string>(),
            ClientAuthentication = ClientAuthenticationMethod.ClientSecretPost,
            UsePkce = false,
            DefaultAccessTokenLifetime = preset.DefaultAccessTokenLifetime,
            RequireIssuerParameter = false,
            KeepAliveInterval = keepAlive,
            UsesDiscovery = false,
            Apis = apis,
            ApiPathPolicy = pathPolicy,
            Secret = new SecretUsage(preset.Kind, preset.Kind == CredentialKind.Basic ? SecretUsage.DefaultHeader : header, format, settings.ProbeUrl,
                settings.AllowSecretHandout ?? false)
            {
                ProbeTimeout = probeTimeout,
            },
        };
    }

    private static bool IsSet(ProviderSettings settings, string name) =>
        typeof(ProviderSettings).GetProperty(name)!.GetValue(settings) is { } value
        && value is not (string { Length: 0 } or System.Collections.ICollection { Count: 0 });

    /// <summary>Same scheme, host and port as <paramref name="api"/>, and its path or one below it.</summary>
    private static bool IsUnder(Uri probe, Uri api) =>
        probe.IsAbsoluteUri && ProviderDefinitionBuilder.IsAllowedEndpoint(probe)
        && Uri.Compare(probe, api, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0
        && (probe.AbsolutePath == api.AbsolutePath || probe.AbsolutePath.StartsWith(api.AbsolutePath.TrimEnd('/') + "/", StringComparison.Ordinal))
        && !probe.AbsolutePath.Contains("/../", StringComparison.Ordinal);

    /// <summary>RFC 9110 §5.6.2 token.</summary>
    private static bool IsToken(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
