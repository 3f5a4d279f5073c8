using System.Text.Json;
using System.Xml.Linq;
using Credentials.Functions.Connections;
using Credentials.Functions.Hosting.Composition;
using Credentials.Functions.Storage;
using Credentials.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Deployment;

/// <summary>Compiles infra/main.bicep with the Bicep CLI and checks the promises of the deployment in the ARM JSON.</summary>
public sealed class ArmTemplateTests
{
    private static readonly Lazy<JsonElement> Template = new(() => JsonDocument.Parse(Bicep("build", "infra/main.bicep", "--stdout")).RootElement.Clone());

    [Fact]
    public void Bicep_lint_reports_nothing()
    {
        var output = Bicep("lint", "infra/main.bicep");

        Assert.Equal(string.Empty, output.Trim());
    }

    [Fact]
    public void Storage_allows_no_shared_keys_no_public_blobs_and_tls_1_2_at_least()
    {
        var account = Resource("Microsoft.Storage/storageAccounts").GetProperty("properties");

        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(account.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", account.GetProperty("minimumTlsVersion").GetString());
        Assert.True(account.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
    }

    [Fact]
    public void The_tables_and_queue_are_the_ones_the_app_uses()
    {
        var storage = new StorageOptions();
        var tables = Template.Value.GetProperty("variables").GetProperty("appTableNames").EnumerateArray().Select(t => t.GetString()).ToHashSet();
        Assert.Equal("[variables('appTableNames')]",
            Module("storage").GetProperty("properties").GetProperty("parameters").GetProperty("tableNames").GetProperty("value").GetString());
        Assert.Equal("[variables('appTableNames')]",
            Module("role-assignments").GetProperty("properties").GetProperty("parameters").GetProperty("tableNames").GetProperty("value").GetString());

        Assert.Equal(new HashSet<string?> { storage.ConnectionsTable, storage.AuditTable, storage.OAuthStatesTable, storage.MaintenanceTable }, tables);
        Assert.Equal(storage.StatusEventsQueue, Template.Value.GetProperty("variables").GetProperty("statusEventsQueueName").GetString());
        Assert.Equal(storage.MaintenanceQueue, Template.Value.GetProperty("variables").GetProperty("maintenanceQueueName").GetString());
    }

    [Fact]
    public void Key_vault_is_rbac_only_with_soft_delete_and_purge_protection()
    {
        var vault = Resource("Microsoft.KeyVault/vaults").GetProperty("properties");

        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.True(vault.GetProperty("enableSoftDelete").GetBoolean());
        Assert.True(vault.GetProperty("enablePurgeProtection").GetBoolean());
        Assert.False(vault.TryGetProperty("accessPolicies", out _));
    }

    [Fact]
    public void Monitoring_accepts_only_entra_id_authentication()
    {
        Assert.True(Resource("Microsoft.Insights/components").GetProperty("properties").GetProperty("DisableLocalAuth").GetBoolean());
        Assert.True(Resource("Microsoft.OperationalInsights/workspaces").GetProperty("properties").GetProperty("features").GetProperty("disableLocalAuth").GetBoolean());
        Assert.Contains("Authorization=AAD", AppSettings()["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_function_app_runs_on_flex_consumption_with_the_projects_dotnet_version_as_a_user_assigned_identity()
    {
        var plan = Resource("Microsoft.Web/serverfarms");
        var site = Resource("Microsoft.Web/sites");
        var runtime = site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("runtime");
        var targetFramework = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")).Descendants("TargetFramework").Single().Value;

        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        Assert.Equal(targetFramework.Replace("net", string.Empty, StringComparison.Ordinal), runtime.GetProperty("version").GetString());
        Assert.Equal("UserAssigned", site.GetProperty("identity").GetProperty("type").GetString());
        Assert.True(site.GetProperty("properties").TryGetProperty("keyVaultReferenceIdentity", out _));
        Assert.Equal("UserAssignedIdentity", site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("deployment")
            .GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());
    }

    [Fact]
    public void Storage_settings_are_identity_based_and_no_key_is_used_anywhere()
    {
        var settings = AppSettings();
        var text = Template.Value.GetRawText();

        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"].GetString());
        Assert.True(settings.ContainsKey("AzureWebJobsStorage__accountName"));
        Assert.False(settings.ContainsKey("AzureWebJobsStorage"));
        Assert.False(settings.ContainsKey("Storage__ConnectionString"));
        Assert.DoesNotContain("listKeys", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AccountKey", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InstrumentationKey", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hosts_homepage_is_off_so_every_path_answers_from_the_app_with_problem_json()
    {
        Assert.Equal("true", AppSettings()["AzureWebJobsDisableHomepage"].GetString());
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "host.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        Assert.Equal(string.Empty, host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [Fact]
    public void Secrets_reach_the_app_only_as_key_vault_references()
    {
        var settings = AppSettings();

        Assert.Contains("@Microsoft.KeyVault(", settings["Authress__AccessKey"].GetString(), StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(", Module("function-app").GetProperty("properties").GetProperty("template").GetProperty("variables")
            .GetProperty("providerSettings").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_setting_the_app_validates_at_start_is_set_by_the_template()
    {
        var values = AppSettings().ToDictionary(
            pair => pair.Key.Replace("__", ":", StringComparison.Ordinal),
            pair => (string?)(pair.Value.GetString() is { } value && !value.StartsWith('[') ? value : SampleFor(pair.Key)));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        using var services = new ServiceCollection().AddLogging().AddCredentialsService(configuration).BuildServiceProvider();

        services.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal("KeyVault", values["Encryption:KeySource"]);
        Assert.Contains("Maintenance:Schedule", values.Keys);
    }

    [Fact]
    public void Role_assignments_are_named_from_scope_principal_and_role_with_least_privilege()
    {
        var assignments = Resources(Module("role-assignments").GetProperty("properties").GetProperty("template").GetProperty("resources"))
            .Where(r => r.GetProperty("type").GetString() == "Microsoft.Authorization/roleAssignments")
            .ToList();
        var roles = Module("role-assignments").GetProperty("properties").GetProperty("template").GetProperty("variables").GetProperty("roles")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());

        Assert.NotEmpty(assignments);
        Assert.All(assignments, a => Assert.StartsWith("[guid(", a.GetProperty("name").GetString(), StringComparison.Ordinal));
        Assert.Equal(
            new HashSet<string?>
            {
                "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner (the deployment package's container)
                "ba92f5b4-2d11-453d-a403-e96b0029c9fe", // Storage Blob Data Contributor (the Functions host's containers)
                "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
                "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a", // Storage Queue Data Message Sender
                "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor (the maintenance work queue and its poison queue)
                "4633458b-17de-408a-b874-0445c86b69e6", // Key Vault Secrets User
                "3913510d-42f4-4e42-8a64-420c390055eb", // Monitoring Metrics Publisher (Entra ID telemetry ingestion)
                "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", // Key Vault Secrets Officer, only for the deploying principal
            },
            roles.Values.ToHashSet());
    }

    [Fact]
    public void No_output_or_parameter_default_carries_a_secret()
    {
        foreach (var output in Template.Value.GetProperty("outputs").EnumerateObject())
        {
            Assert.DoesNotMatch("(?i)secret|password|key|connectionstring|token", output.Name.Replace("KEY_VAULT", "VAULT", StringComparison.Ordinal));
            Assert.DoesNotMatch("(?i)list[a-z]*\\(|connectionString", output.Value.GetProperty("value").GetString() ?? string.Empty);
        }

        foreach (var parameter in Template.Value.GetProperty("parameters").EnumerateObject())
        {
            var type = parameter.Value.GetProperty("type").GetString();
            Assert.False(type is "securestring" or "secureObject" && parameter.Value.TryGetProperty("defaultValue", out _), parameter.Name);
        }
    }

    [Fact]
    public void The_operator_parameters_exist()
    {
        var parameters = Template.Value.GetProperty("parameters");

        Assert.All(
            ["authressDomain", "trustedCallerIssuers", "allowedReturnUrls", "providers", "maintenanceSchedule", "alwaysReadyInstanceCount", "instanceMemoryMB", "maximumInstanceCount"],
            name => Assert.True(parameters.TryGetProperty(name, out _), name));
    }

    private static string SampleFor(string setting) => setting switch
    {
        "Authress__AccessKey" => TestAccessKeys.Create("sc_credentials_service").AccessKey,
        "Maintenance__Schedule" => "0 */15 * * * *",
        "APPLICATIONINSIGHTS_CONNECTION_STRING" => "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://sample.example.net/",
        _ when setting.EndsWith("Uri", StringComparison.Ordinal) || setting.EndsWith("Url", StringComparison.Ordinal)
            || setting.EndsWith("Issuer", StringComparison.Ordinal) => "https://sample.example.net/",
        _ => "sample",
    };

    private static Dictionary<string, JsonElement> AppSettings() =>
        Module("function-app").GetProperty("properties").GetProperty("template").GetProperty("variables").GetProperty("baseAppSettings")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value);

    private static JsonElement Module(string name) =>
        Template.Value.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);

    /// <summary>The one resource of <paramref name="type"/> in any module's nested template.</summary>
    private static JsonElement Resource(string type) =>
        Template.Value.GetProperty("resources").EnumerateArray()
            .Where(r => r.GetProperty("type").GetString() == "Microsoft.Resources/deployments")
            .SelectMany(r => Resources(r.GetProperty("properties").GetProperty("template").GetProperty("resources")))
            .Single(r => r.GetProperty("type").GetString() == type);

    private static IEnumerable<JsonElement> Resources(JsonElement resources) =>
        resources.ValueKind == JsonValueKind.Array ? resources.EnumerateArray() : resources.EnumerateObject().Select(p => p.Value);

    private static string Bicep(params string[] arguments) => BicepCli.Run(arguments);
}
