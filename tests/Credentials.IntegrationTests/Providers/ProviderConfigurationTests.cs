using Credentials.Functions.Providers;
using Credentials.Tests.Support;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Providers;

/// <summary>Presets fill in what each provider needs; bad provider settings stop start-up naming the setting.</summary>
public sealed class ProviderConfigurationTests
{
    [Theory]
    [InlineData("google", "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/revoke")]
    [InlineData("microsoft", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize", null)]
    [InlineData("github", "https://github.com/login/oauth/authorize", null)]
    [InlineData("slack", "https://slack.com/oauth/v2/authorize", null)]
    [InlineData("salesforce", "https://login.salesforce.com/services/oauth2/authorize", "https://login.salesforce.com/services/oauth2/revoke")]
    [InlineData("atlassian", "https://auth.atlassian.com/authorize", null)]
    [InlineData("xero", "https://login.xero.com/identity/connect/authorize", "https://identity.xero.com/connect/revocation")]
    [InlineData("hubspot", "https://app.hubspot.com/oauth/authorize", null)]
    public void Each_preset_needs_only_client_credentials(string preset, string authorizationEndpoint, string? revocationEndpoint)
    {
        var catalog = Catalog(("p", new ProviderSettings
        {
            Preset = preset,
            ClientId = "client",
            ClientSecret = "secret",
            Tenant = preset == "microsoft" ? "contoso.onmicrosoft.com" : null,
        }));

        var provider = catalog.Find("p")!;
        Assert.Equal(new Uri(authorizationEndpoint), provider.AuthorizationEndpoint);
        Assert.NotNull(provider.TokenEndpoint);
        Assert.Equal(revocationEndpoint is null ? null : new Uri(revocationEndpoint), provider.RevocationEndpoint);
        Assert.True(provider.UsePkce);
        Assert.False(provider.UsesDiscovery);
    }

    [Fact]
    public void Google_asks_for_offline_access_with_consent_so_a_refresh_token_is_issued()
    {
        var provider = Catalog(("google", new ProviderSettings { Preset = "google", ClientId = "c", ClientSecret = "s" })).Find("google")!;

        Assert.Equal("offline", provider.AuthorizeParameters["access_type"]);
        Assert.Equal("consent", provider.AuthorizeParameters["prompt"]);
    }

    [Theory]
    [InlineData("xero", "00:30:00", true)]
    [InlineData("atlassian", "00:10:00", false)]
    [InlineData("google", null, true)]
    [InlineData("github", null, false)]
    [InlineData("salesforce", null, false)]
    public void Presets_carry_the_documented_reuse_grace_and_revocation_reach(string preset, string? grace, bool revocationEndsGrant)
    {
        var provider = Catalog(("p", new ProviderSettings { Preset = preset, ClientId = "c", ClientSecret = "s" })).Find("p")!;

        Assert.Equal(grace is null ? null : TimeSpan.Parse(grace, System.Globalization.CultureInfo.InvariantCulture), provider.RotationGracePeriod);
        Assert.Equal(revocationEndsGrant, provider.RevocationEndsGrant);
    }

    [Theory]
    [InlineData("00:00:30", null, "00:00:30")]
    [InlineData("00:00:30", "00:30:00", "00:00:30")]
    [InlineData("00:00:30", "00:00:15", "00:00:05")]
    [InlineData("00:00:30", "00:01:00", "00:00:20")]
    public void The_refresh_lease_for_a_provider_is_a_third_of_its_reuse_grace_when_that_is_shorter(string configured, string? grace, string expected)
    {
        static TimeSpan Parse(string value) => TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(Parse(expected), Credentials.Functions.Refresh.RefreshLease.For(Parse(configured), grace is null ? null : Parse(grace)));
    }

    [Fact]
    public void Settings_override_the_preset()
    {
        var provider = Catalog(("sf", new ProviderSettings
        {
            Preset = "salesforce",
            ClientId = "c",
            ClientSecret = "s",
            Domain = "acme.my.salesforce.com",
            DefaultAccessTokenLifetime = TimeSpan.FromMinutes(30),
            ClientAuthentication = "client_secret_basic",
            Scopes = ["api"],
        })).Find("sf")!;

        Assert.Equal(new Uri("https://acme.my.salesforce.com/services/oauth2/token"), provider.TokenEndpoint);
        Assert.Equal(TimeSpan.FromMinutes(30), provider.DefaultAccessTokenLifetime);
        Assert.Equal(ClientAuthenticationMethod.ClientSecretBasic, provider.ClientAuthentication);
        Assert.Equal(["api"], provider.Scopes);
    }

    [Theory]
    [InlineData("Providers:p:Preset", "unknown-preset", "Providers:p:Preset", "Providers__p__Preset")]
    [InlineData("Providers:p:ClientId", null, "Providers:p:ClientId", "Providers__p__ClientId")]
    [InlineData("Providers:p:ClientSecret", "", "Providers:p:ClientSecret", "Providers__p__ClientSecret")]
    [InlineData("Providers:p:TokenEndpoint", "http://provider.example/token", "Providers:p:TokenEndpoint", "Providers__p__TokenEndpoint")]
    [InlineData("Providers:p:Scopes:0", "two words", "Providers:p:Scopes", "Providers__p__Scopes")]
    [InlineData("Providers:p:ClientAuthentication", "private_key_jwt", "Providers:p:ClientAuthentication", "Providers__p__ClientAuthentication")]
    [InlineData("Providers:p:DefaultAccessTokenLifetime", "00:00:10", "Providers:p:DefaultAccessTokenLifetime", "Providers__p__DefaultAccessTokenLifetime")]
    [InlineData("Providers:p:RotationGracePeriod", "00:00:10", "Providers:p:RotationGracePeriod", "Providers__p__RotationGracePeriod")]
    [InlineData("Providers:p:AuthorizeParameters:redirect_uri", "https://evil.example/", "Providers:p:AuthorizeParameters", "Providers__p__AuthorizeParameters")]
    [InlineData("Connect:AllowedReturnUrls:0", "https://app.example.com/?next=x", "Connect:AllowedReturnUrls:0", "Connect__AllowedReturnUrls__0")]
    public async Task A_bad_provider_setting_stops_start_up_naming_it(string key, string? value, string named, string appSetting)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Providers:p:Preset"] = "oauth2",
            ["Providers:p:ClientId"] = "client",
            ["Providers:p:ClientSecret"] = "secret",
            ["Providers:p:AuthorizationEndpoint"] = "https://provider.example/authorize",
            ["Providers:p:TokenEndpoint"] = "https://provider.example/token",
            [key] = value,
        };

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningDevHost.StartAsync(settings));

        Assert.Contains(named, exception.Message, StringComparison.Ordinal);
        Assert.Contains(appSetting, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("oauth2", "Providers:p:AuthorizationEndpoint")]
    [InlineData("oidc", "Providers:p:Issuer")]
    [InlineData("microsoft", "Providers:p:Tenant")]
    public async Task A_preset_names_the_settings_it_cannot_do_without(string preset, string named)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Providers:p:Preset"] = preset,
            ["Providers:p:ClientId"] = "client",
            ["Providers:p:ClientSecret"] = "secret",
        }));

        Assert.Contains(named, exception.Message, StringComparison.Ordinal);
    }

    private static ProviderCatalog Catalog(params (string Id, ProviderSettings Settings)[] providers)
    {
        var options = new ProvidersOptions();
        foreach (var (id, settings) in providers)
        {
            options.Providers[id] = settings;
        }

        return new ProviderCatalog(Options.Create(options));
    }
}
