using Credentials.Tests.Support;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Hosting;

public sealed class StartupValidationTests
{
    [Fact]
    public async Task Missing_public_base_url_stops_start_up_naming_the_setting()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningDevHost.StartAsync(new Dictionary<string, string?> { ["Service:PublicBaseUrl"] = null }));

        Assert.Contains("Service:PublicBaseUrl", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Service__PublicBaseUrl", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.test/")]
    [InlineData("http://credentials.example.test/")]
    public async Task Malformed_public_base_url_stops_start_up(string value)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningDevHost.StartAsync(new Dictionary<string, string?> { ["Service:PublicBaseUrl"] = value }));

        Assert.Contains("Service:PublicBaseUrl", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Refresh:LeaseDuration", "00:00:01", "Refresh__LeaseDuration")]
    [InlineData("Refresh:MaxProviderRetries", "9", "Refresh__MaxProviderRetries")]
    [InlineData("Maintenance:Schedule", "every 5 minutes", "Maintenance__Schedule")]
    [InlineData("Maintenance:TimeBudget", "01:00:00", "Maintenance__TimeBudget")]
    [InlineData("Storage:StatusEventsQueue", "Bad_Queue", "Storage__StatusEventsQueue")]
    [InlineData("Connect:StateLifetime", "02:00:00", "Connect__StateLifetime")]
    public async Task A_bad_refresh_maintenance_or_connect_setting_stops_start_up_naming_it(string key, string value, string appSetting)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningDevHost.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(key, exception.Message, StringComparison.Ordinal);
        Assert.Contains(appSetting, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oidc_issuer_without_an_audience_stops_start_up_naming_the_setting()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Authentication:Issuers:1:Issuer"] = "https://login.example.test/tenant/v2.0",
            ["Authentication:Issuers:1:Kind"] = "Oidc",
        }));

        Assert.Contains("Authentication:Issuers:1:Audience", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Authentication__Issuers__1__Audience", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authress_issuer_without_audiences_stops_start_up_unless_it_takes_only_service_clients()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Authentication:Issuers:0:Audiences:0"] = null,
        }));
        await using var serviceClientsOnly = await RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Authentication:Issuers:0:Audiences:0"] = null,
            ["Authentication:Issuers:0:ServiceClientsOnly"] = "true",
        });

        Assert.Contains("Authentication:Issuers:0:Audiences:0", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Authentication__Issuers__0__Audiences__0", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_issuer_without_a_subject_prefix_stops_start_up_naming_the_setting()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Authentication:Issuers:1:Issuer"] = "https://partner.example.test",
            ["Authentication:Issuers:1:Audiences:0"] = "app_partner",
        }));

        Assert.Contains("Authentication:Issuers:1:SubjectPrefix", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Authentication__Issuers__1__SubjectPrefix", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Authress:AccessKey", "Authress__AccessKey")]
    [InlineData("Providers:google:ClientSecret", "Providers__google__ClientSecret")]
    public async Task A_secret_that_is_still_an_unresolved_key_vault_reference_stops_start_up_naming_it(string key, string appSetting)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Providers:google:Preset"] = "google",
            ["Providers:google:ClientId"] = "client.apps.example",
            ["Providers:google:ClientSecret"] = "a-resolved-secret",
            [key] = "@Microsoft.KeyVault(SecretUri=https://vault.example.test/secrets/provider-google)",
        }));

        Assert.Contains(appSetting, exception.Message, StringComparison.Ordinal);
        Assert.Contains("still a Key Vault reference", exception.Message, StringComparison.Ordinal);
    }
}
