using Credentials.Functions.Foundation;
using Credentials.Functions.Foundation.Configuration;

namespace Credentials.Functions.Providers;

/// <summary>Applies a provider's preset to its settings and checks the result, naming each bad setting.</summary>
internal static class ProviderDefinitionBuilder
{
    private const string Section = ProvidersOptions.SectionName;
    private static readonly TimeSpan MinTokenLifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromHours(24);
    private static readonly TimeSpan MinRotationGracePeriod = TimeSpan.FromSeconds(15);

    public static ProviderDefinition? TryBuild(string id, ProviderSettings settings, ICollection<string> failures)
    {
        var before = failures.Count;
        string Setting(string key) => SettingName.Of(Section, id, key);

        if (!Identifiers.IsValid(id))
        {
            failures.Add($"Provider id '{id}' under {Section} is not valid: ids are 1-{Identifiers.MaxLength} characters of A-Z a-z 0-9 - _ . + = ~ | @.");
            return null;
        }

        var preset = ProviderPresets.Find(settings.Preset);
        if (preset is null)
        {
            failures.Add($"{Setting(nameof(ProviderSettings.Preset))} must be one of: {string.Join(", ", ProviderPresets.Names)}.");
            return null;
        }

        if (preset.Kind != CredentialKind.OAuth)
        {
            return SecretUsageBuilder.TryBuild(id, preset, settings, Setting, failures);
        }

        SecretUsageBuilder.RefuseSecretSettings(settings, preset.Name, Setting, failures);

        foreach (var required in preset.RequiredSettings)
        {
            var value = typeof(ProviderSettings).GetProperty(required)!.GetValue(settings);
            if (value is null || value is string { Length: 0 })
            {
                failures.Add($"{Setting(required)} is required for the '{preset.Name}' preset.");
            }
        }

        if (string.IsNullOrWhiteSpace(settings.ClientId))
        {
            failures.Add($"{Setting(nameof(ProviderSettings.ClientId))} is required.");
        }

        if (string.IsNullOrWhiteSpace(settings.ClientSecret))
        {
            failures.Add($"{Setting(nameof(ProviderSettings.ClientSecret))} is required (in Azure, a Key Vault reference).");
        }
        else if (KeyVaultReferences.IsUnresolved(settings.ClientSecret))
        {
            failures.Add(KeyVaultReferences.Failure(Setting(nameof(ProviderSettings.ClientSecret))));
        }

        if (failures.Count > before)
        {
            return null;
        }

        var issuer = settings.Issuer ?? preset.Issuer(settings);
        var authorization = settings.AuthorizationEndpoint ?? preset.AuthorizationEndpoint(settings);
        var token = settings.TokenEndpoint ?? preset.TokenEndpoint(settings);
        var revocation = settings.RevocationEndpoint ?? preset.RevocationEndpoint(settings);
        RequireEndpoint(issuer, Setting(nameof(ProviderSettings.Issuer)), failures);
        RequireEndpoint(authorization, Setting(nameof(ProviderSettings.AuthorizationEndpoint)), failures);
        RequireEndpoint(token, Setting(nameof(ProviderSettings.TokenEndpoint)), failures);
        RequireEndpoint(revocation, Setting(nameof(ProviderSettings.RevocationEndpoint)), failures);

        var scopes = settings.Scopes?.ToList() ?? [.. preset.Scopes];
        var allowedScopes = settings.AllowedScopes?.ToList() ?? [];
        foreach (var scope in scopes.Concat(allowedScopes))
        {
            if (!IsScopeToken(scope))
            {
                failures.Add($"{Setting(nameof(ProviderSettings.Scopes))} / {nameof(ProviderSettings.AllowedScopes)}: '{scope}' is not a scope (RFC 6749 §3.3: printable, no spaces, quotes or backslashes).");
            }
        }

        var clientAuthentication = preset.ClientAuthentication;
        if (settings.ClientAuthentication is not null && !ClientAuthenticationMethodNames.TryParse(settings.ClientAuthentication, out clientAuthentication))
        {
            failures.Add($"{Setting(nameof(ProviderSettings.ClientAuthentication))} must be {ClientAuthenticationMethodNames.Basic} or {ClientAuthenticationMethodNames.Post}.");
        }

        var lifetime = settings.DefaultAccessTokenLifetime ?? preset.DefaultAccessTokenLifetime;
        if (lifetime < MinTokenLifetime || lifetime > MaxTokenLifetime)
        {
            failures.Add($"{Setting(nameof(ProviderSettings.DefaultAccessTokenLifetime))} must be from 00:01:00 to 1.00:00:00.");
        }

        var keepAlive = settings.KeepAliveInterval ?? preset.KeepAliveInterval;
        if (keepAlive < TimeSpan.FromMinutes(15) || keepAlive > TimeSpan.FromDays(30))
        {
            failures.Add($"{Setting(nameof(ProviderSettings.KeepAliveInterval))} must be from 00:15:00 to 30.00:00:00.");
        }

        var grantLifetime = new RefreshTokenLifetime(settings.RefreshTokenIdleLifetime ?? preset.RefreshTokenIdleLifetime,
            settings.RefreshTokenAbsoluteLifetime ?? preset.RefreshTokenAbsoluteLifetime);
        foreach (var (value, key) in new[] { (grantLifetime.Idle, nameof(ProviderSettings.RefreshTokenIdleLifetime)), (grantLifetime.Absolute, nameof(ProviderSettings.RefreshTokenAbsoluteLifetime)) })
        {
            if (value is { } span && (span < TimeSpan.FromHours(1) || span > TimeSpan.FromDays(3650)))
            {
                failures.Add($"{Setting(key)} must be from 01:00:00 to 3650.00:00:00, or unset when the provider sets no such limit.");
            }
        }

        var grace = settings.RotationGracePeriod ?? preset.RotationGracePeriod;
        if (grace is { } g && (g < MinRotationGracePeriod || g > TimeSpan.FromDays(1)))
        {
            failures.Add($"{Setting(nameof(ProviderSettings.RotationGracePeriod))} must be from 00:00:15 to 1.00:00:00, or unset when the provider "
                + "has no usable reuse grace (a takeover needs a lease of at least 5 s, a third of the grace).");
        }

        var parameters = new Dictionary<string, string>(preset.AuthorizeParameters, StringComparer.Ordinal);
        foreach (var (name, value) in settings.AuthorizeParameters ?? new Dictionary<string, string>())
        {
            if (ReservedParameters.Contains(name))
            {
                failures.Add($"{Setting(nameof(ProviderSettings.AuthorizeParameters))}:{name} cannot be set: the service controls it.");
            }

            parameters[name] = value;
        }

        var instanceParameter = settings.InstanceUrlParameter ?? preset.InstanceUrlParameter;
        var apis = ProviderApi.Build(preset.ApiBaseUrls(settings), settings.ApiBaseUrls, name => Setting($"{nameof(ProviderSettings.ApiBaseUrls)}:{name}"), failures);
        if (instanceParameter is not null)
        {
            apis = [new ProviderApi(ProviderApi.InstanceName, null), .. apis.Where(api => api.Name != ProviderApi.InstanceName)];
        }

        var narrowing = settings.ScopeNarrowing ?? preset.ScopeNarrowing;
        var narrowable = ScopeResources.Build(settings.NarrowableResources, narrowing == ScopeNarrowing.MultiResource,
            name => Setting($"{nameof(ProviderSettings.NarrowableResources)}:{name}"), failures);
        var presetRules = preset.ApiPathDeny.Count;
        var pathPolicy = ApiPathPolicy.Build([.. preset.ApiPathDeny, .. settings.ApiPathDeny ?? []],
            index => index < presetRules ? $"The {preset.Name} preset's path rule {index}" : Setting($"{nameof(ProviderSettings.ApiPathDeny)}:{index - presetRules}"), failures);
        if (failures.Count > before)
        {
            return null;
        }

        return new ProviderDefinition
        {
            Id = id,
            Preset = preset.Name,
            DisplayName = settings.DisplayName ?? preset.DisplayName,
            ClientId = settings.ClientId!,
            ClientSecret = settings.ClientSecret!,
            Issuer = issuer,
            AuthorizationEndpoint = authorization,
            TokenEndpoint = token,
            RevocationEndpoint = revocation,
            Scopes = scopes,
            AllowedScopes = allowedScopes,
            ScopeSeparator = preset.ScopeSeparator,
            AuthorizeParameters = parameters,
            ClientAuthentication = clientAuthentication,
            UsePkce = settings.UsePkce ?? true,
            DefaultAccessTokenLifetime = lifetime,
            RequireIssuerParameter = settings.RequireIssuerParameter ?? false,
            KeepAliveInterval = keepAlive,
            RefreshTokenLifetime = grantLifetime,
            RotationGracePeriod = grace,
            RevocationEndsGrant = settings.RevocationEndsGrant ?? preset.RevocationEndsGrant,
            UsesDiscovery = preset.UsesDiscovery && (settings.AuthorizationEndpoint is null || settings.TokenEndpoint is null),
            InvalidGrantErrors = preset.InvalidGrantErrors,
            ScopeNarrowing = narrowing,
            NarrowableResources = narrowable,
            DefaultScopeResource = preset.DefaultScopeResource,
            Apis = apis,
            ApiPathPolicy = pathPolicy,
            InstanceUrlParameter = instanceParameter,
            InstanceUrlHosts = settings.InstanceUrlHosts?.ToList() ?? [.. preset.InstanceUrlHosts],
        };
    }

    /// <summary>Parameters the service sets itself on every authorization request; configuration must not override them.</summary>
    private static readonly HashSet<string> ReservedParameters = new(StringComparer.Ordinal)
    {
        "client_id", "redirect_uri", "response_type", "state", "scope", "code_challenge", "code_challenge_method",
    };

    private static void RequireEndpoint(Uri? endpoint, string setting, ICollection<string> failures)
    {
        if (endpoint is not null && !IsAllowedEndpoint(endpoint))
        {
            failures.Add($"{setting} must be an absolute https URL (http only on a loopback host), without a fragment.");
        }
    }

    public static bool IsAllowedEndpoint(Uri endpoint) =>
        WebUrls.IsSecureOrLoopback(endpoint)
        && endpoint.Fragment.Length == 0
        && endpoint.UserInfo.Length == 0;

    /// <summary>RFC 6749 §3.3: a scope is printable ASCII without space, quote or backslash.</summary>
    public static bool IsScopeToken(string scope) =>
        scope.Length > 0 && scope.All(c => c is '\x21' or (>= '\x23' and <= '\x5B') or (>= '\x5D' and <= '\x7E'));
}
