using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Credentials.Tests.Support;

namespace Credentials.Tests.Deployment;

/// <summary>
/// infra/main.parameters.json, as <c>azd</c> deploys it: no provider is required (none is configured, none needs a
/// secret first), a deployment of its values validates, and a provider added to the list reaches the app's settings.
/// </summary>
public sealed partial class ParametersFileTests
{
    private static readonly JsonElement Parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "infra", "main.parameters.json")))
        .RootElement.GetProperty("parameters").Clone();

    [Fact]
    public void The_parameters_file_configures_no_provider()
    {
        Assert.Equal(JsonValueKind.Array, Parameters.GetProperty("providers").GetProperty("value").ValueKind);
        Assert.Equal(0, Parameters.GetProperty("providers").GetProperty("value").GetArrayLength());
    }

    [Fact]
    public void A_deployment_of_the_files_values_validates_without_any_provider()
    {
        var settings = AppSettingsOf(BicepCli.Snapshot(FileValues()));

        Assert.DoesNotContain(settings, name => name.StartsWith("Providers__", StringComparison.Ordinal));
        Assert.Contains("Authress__ApiBaseUrl", settings);
    }

    [Fact]
    public void A_provider_added_at_deploy_time_reaches_the_app_with_its_secret_from_key_vault()
    {
        var values = FileValues();
        values["providers"] = "[{ id: 'github', preset: 'github', clientId: 'Iv1.sample' }]";

        var settings = AppSettingsOf(BicepCli.Snapshot(values));

        Assert.Contains("Providers__github__Preset", settings);
        Assert.Contains("Providers__github__ClientSecret", settings);
    }

    /// <summary>The file's values as Bicep literals, with <c>azd</c>'s <c>${VAR=default}</c> given its default and <c>${VAR}</c> a sample.</summary>
    private static Dictionary<string, string> FileValues()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in Parameters.EnumerateObject())
        {
            var value = parameter.Value.GetProperty("value");
            values[parameter.Name] = value.ValueKind == JsonValueKind.String ? Literal(Substitute(value.GetString()!)) : ToBicep(value);
        }

        return values;
    }

    private static string Substitute(string value) => Variable().Replace(value, match => match.Groups["default"].Success
        ? match.Groups["default"].Value
        : match.Groups["name"].Value switch
        {
            "AUTHRESS_DOMAIN" => "https://login.example.com",
            "AZURE_LOCATION" => "westeurope",
            "AZURE_ENV_NAME" => "snap",
            _ => string.Empty,
        });

    /// <summary>A substituted string as the parameter's Bicep literal: booleans and whole numbers bare, as ARM reads them.</summary>
    private static string Literal(string value) =>
        value is "true" or "false" || int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? value
            : $"'{value.Replace("'", "\\'", StringComparison.Ordinal)}'";

    private static string ToBicep(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(ToBicep)) + "]",
        JsonValueKind.Object => "{ " + string.Join(", ", value.EnumerateObject().Select(p => $"'{p.Name}': {ToBicep(p.Value)}")) + " }",
        JsonValueKind.String => Literal(Substitute(value.GetString()!)),
        _ => value.GetRawText(),
    };

    private static List<string> AppSettingsOf(IReadOnlyList<JsonElement> resources) =>
        resources.Single(r => r.GetProperty("type").GetString() == "Microsoft.Web/sites/config" && r.GetProperty("name").GetString()!.EndsWith("/appsettings", StringComparison.Ordinal))
            .GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();

    [GeneratedRegex(@"\$\{(?<name>[A-Z_]+)(=(?<default>[^}]*))?\}")]
    private static partial Regex Variable();
}
