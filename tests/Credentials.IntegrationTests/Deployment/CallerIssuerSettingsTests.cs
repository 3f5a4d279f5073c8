using System.Text.Json;
using Credentials.Functions.AccessControl;
using Microsoft.Extensions.Configuration;

namespace Credentials.Tests.Deployment;

/// <summary>The trusted-issuer app settings a deployment writes (<c>bicep snapshot</c>): never an issuer without audiences.</summary>
public sealed class CallerIssuerSettingsTests
{
    private static readonly Dictionary<string, string> Base = new()
    {
        ["environmentName"] = "'snap'",
        ["location"] = "'westeurope'",
        ["authressDomain"] = "'https://login.example.com'",
        ["vnetEnabled"] = "false",
    };

    [Fact]
    public void Without_audiences_given_the_authress_issuer_accepts_tokens_made_out_to_the_service_url_only()
    {
        var settings = AppSettings(Base);

        Assert.Equal(settings["Service__PublicBaseUrl"], settings["Authentication__Issuers__0__Audiences__0"]);
        Assert.StartsWith("https://", settings["Authentication__Issuers__0__Audiences__0"], StringComparison.Ordinal);
        Assert.DoesNotContain("Authentication__Issuers__0__Audiences__1", settings.Keys);
        Assert.Empty(Validate(settings));
    }

    [Fact]
    public void Each_issuer_gets_its_audiences_and_subject_prefix_and_passes_start_up_validation()
    {
        var settings = AppSettings(new Dictionary<string, string>(Base)
        {
            ["authressAudiences"] = "['app_one', 'app_two']",
            ["trustedCallerIssuers"] = "[{ issuer: 'https://login.microsoftonline.com/tenant/v2.0', audiences: ['api://credentials'], subjectPrefix: 'entra|' }]",
        });

        Assert.Equal("app_one", settings["Authentication__Issuers__0__Audiences__0"]);
        Assert.Equal("app_two", settings["Authentication__Issuers__0__Audiences__1"]);
        Assert.Equal("Oidc", settings["Authentication__Issuers__1__Kind"]);
        Assert.Equal("api://credentials", settings["Authentication__Issuers__1__Audiences__0"]);
        Assert.Equal("entra|", settings["Authentication__Issuers__1__SubjectPrefix"]);
        Assert.Empty(Validate(settings));
    }

    private static Dictionary<string, string> AppSettings(IReadOnlyDictionary<string, string> parameters) =>
        BicepCli.Snapshot(parameters)
            .Single(r => r.GetProperty("type").GetString() == "Microsoft.Web/sites/config")
            .GetProperty("properties").EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String)
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);

    /// <summary>The app's own start-up check of the authentication section, over the settings as deployed.</summary>
    private static IEnumerable<string> Validate(Dictionary<string, string> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings
            .Where(s => s.Key.StartsWith("Authentication__", StringComparison.Ordinal))
            .Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), (string?)s.Value))).Build();
        var options = configuration.GetSection(CallerAuthenticationOptions.SectionName).Get<CallerAuthenticationOptions>()!;
        return new CallerAuthenticationOptionsValidator().Validate(null, options).Failures ?? [];
    }
}
