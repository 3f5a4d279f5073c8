using Credentials.Functions.Foundation;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Providers;

/// <summary>The <c>api_key</c> and <c>basic</c> presets: what their settings build, and each bad setting named at start-up.</summary>
public sealed class SecretProviderSettingsTests
{
    private const string Api = "https://api.example.com/v2";

    [Fact]
    public void An_api_key_provider_needs_only_an_API_and_sends_a_bearer_header_by_default()
    {
        var provider = Build(new ProviderSettings { Preset = "api_key", ApiBaseUrls = new() { ["default"] = Api } });

        Assert.Equal(CredentialKind.ApiKey, provider.Kind);
        Assert.Equal(("Authorization", "Bearer {secret}", false), (provider.Secret!.HeaderName, provider.Secret.Format, provider.Secret.AllowHandout));
        Assert.Null(provider.Secret.ProbeUrl);
        using var message = new HttpRequestMessage(HttpMethod.Get, Api);
        message.Headers.TryAddWithoutValidation("Authorization", "Bearer caller-token");
        provider.Secret.Apply(message, "k");
        Assert.Equal("Bearer k", Assert.Single(message.Headers.GetValues("Authorization")));
    }

    [Fact]
    public void A_basic_provider_sends_the_RFC_7617_credentials()
    {
        var provider = Build(new ProviderSettings { Preset = "basic", ApiBaseUrls = new() { ["default"] = Api }, ProbeUrl = new Uri(Api + "/me") });

        using var message = new HttpRequestMessage(HttpMethod.Get, Api);
        provider.Secret!.Apply(message, SecretUsage.Credential(CredentialKind.Basic, "Aladdin:open sesame"));
        Assert.Equal("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", Assert.Single(message.Headers.GetValues("Authorization")));
        Assert.Equal(new Uri(Api + "/me"), provider.Secret.ProbeUrl);
        Assert.Equal(TimeSpan.FromSeconds(10), provider.Secret.ProbeTimeout);
        var quick = Build(new ProviderSettings { Preset = "basic", ApiBaseUrls = new() { ["default"] = Api }, ProbeTimeout = TimeSpan.FromSeconds(3) });
        Assert.Equal(TimeSpan.FromSeconds(3), quick.Secret!.ProbeTimeout);
    }

    [Theory]
    [InlineData("SecretFormat", "Token")] // no placeholder
    [InlineData("SecretFormat", "{secret} {secret}")]
    [InlineData("SecretFormat", "Bearer {secret}\r\nX-Admin: 1")]
    [InlineData("SecretHeader", "Host")]
    [InlineData("SecretHeader", "Cookie")]
    [InlineData("SecretHeader", "X-Credentials-Api")]
    [InlineData("SecretHeader", "X Api Key")]
    [InlineData("ProbeUrl", "https://elsewhere.example.com/me")] // the secret would leave the provider's APIs
    [InlineData("ProbeUrl", "https://api.example.com/v2x/me")]
    [InlineData("ProbeUrl", "http://api.example.com/v2/me")]
    [InlineData("ProbeTimeout", "00:00:00.500")] // a probe that must answer at once would fail on any slow day
    [InlineData("ProbeTimeout", "00:02:00")] // longer holds a maintenance walk (and a submission) for nothing
    [InlineData("ClientId", "client")] // an OAuth setting
    [InlineData("Scopes", "read")]
    [InlineData("ApiBaseUrls", null)] // no API: nothing could use the secret
    public void A_bad_api_key_setting_stops_start_up_naming_it(string setting, string? value)
    {
        var settings = new ProviderSettings { Preset = "api_key", ApiBaseUrls = new() { ["default"] = Api } };
        switch (setting)
        {
            case "SecretFormat": settings.SecretFormat = value; break;
            case "SecretHeader": settings.SecretHeader = value; break;
            case "ProbeUrl": settings.ProbeUrl = new Uri(value!); break;
            case "ProbeTimeout": settings.ProbeTimeout = TimeSpan.Parse(value!, System.Globalization.CultureInfo.InvariantCulture); break;
            case "ClientId": settings.ClientId = value; break;
            case "Scopes": settings.Scopes = [value!]; break;
            case "ApiBaseUrls": settings.ApiBaseUrls = null; break;
        }

        var failure = Assert.Single(Failures(settings));
        Assert.Contains($"Providers:p:{setting}", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("basic", "SecretHeader")]
    [InlineData("oidc", "SecretHeader")]
    [InlineData("oidc", "ProbeUrl")]
    [InlineData("oidc", "AllowSecretHandout")]
    [InlineData("oidc", "ProbeTimeout")]
    public void Secret_settings_are_refused_where_they_do_not_apply(string preset, string setting)
    {
        var settings = new ProviderSettings
        {
            Preset = preset,
            ApiBaseUrls = new() { ["default"] = Api },
            ClientId = preset == "oidc" ? "c" : null,
            ClientSecret = preset == "oidc" ? "s" : null,
            Issuer = preset == "oidc" ? new Uri("https://issuer.example.com") : null,
        };
        switch (setting)
        {
            case "SecretHeader": settings.SecretHeader = "X-Api-Key"; break;
            case "ProbeUrl": settings.ProbeUrl = new Uri(Api + "/me"); break;
            case "AllowSecretHandout": settings.AllowSecretHandout = true; break;
            case "ProbeTimeout": settings.ProbeTimeout = TimeSpan.FromSeconds(5); break;
        }

        Assert.Contains(Failures(settings), failure => failure.Contains($"Providers:p:{setting}", StringComparison.Ordinal));
    }

    private static ProviderDefinition Build(ProviderSettings settings)
    {
        Assert.Empty(Failures(settings));
        var options = new ProvidersOptions();
        options.Providers["p"] = settings;
        return new ProviderCatalog(Options.Create(options)).Find("p")!;
    }

    private static IEnumerable<string> Failures(ProviderSettings settings)
    {
        var options = new ProvidersOptions();
        options.Providers["p"] = settings;
        return new ProvidersOptionsValidator().Validate(null, options).Failures ?? [];
    }
}
