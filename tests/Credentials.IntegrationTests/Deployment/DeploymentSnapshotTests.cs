using System.Text.Json;

namespace Credentials.Tests.Deployment;

/// <summary>
/// What a deployment would create, with its conditions evaluated (<c>bicep snapshot</c>), in both network modes: the
/// private network, the access logs, the table- and queue-scoped roles, the optional deployer role and the redundancy.
/// </summary>
public sealed class DeploymentSnapshotTests
{
    private const string BaseParameters = "environmentName=snap|location=westeurope|authressDomain=https://login.example.com";
    private static readonly string[] AppTables = ["Connections", "CredentialAudit", "OAuthStates", "Maintenance"];
    private static readonly Dictionary<string, Lazy<IReadOnlyList<JsonElement>>> Snapshots = new()
    {
        ["private"] = Variant("vnetEnabled=true"),
        ["public"] = Variant("vnetEnabled=false"),
        ["deployer"] = Variant("vnetEnabled=false", "deployerPrincipalId=11111111-1111-1111-1111-111111111111", "grantDeployerSecretsOfficer=true"),
        ["deployer-off"] = Variant("vnetEnabled=true", "deployerPrincipalId=11111111-1111-1111-1111-111111111111"),
        ["paging"] = Variant("vnetEnabled=false", "alertActionGroupId=/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/ops/providers/microsoft.insights/actionGroups/on-call",
            "refreshFailureAlertThreshold=7"),
    };

    [Fact]
    public void With_the_private_network_both_stores_are_reachable_only_through_private_endpoints()
    {
        var resources = Snapshots["private"].Value;

        var network = Single(resources, "Microsoft.Network/virtualNetworks");
        var subnets = network.GetProperty("properties").GetProperty("subnets").EnumerateArray().ToList();
        var app = subnets.Single(s => s.GetProperty("name").GetString() == "app");
        Assert.Equal("Microsoft.App/environments",
            app.GetProperty("properties").GetProperty("delegations")[0].GetProperty("properties").GetProperty("serviceName").GetString());
        Assert.Contains(subnets, s => s.GetProperty("name").GetString() == "private-endpoints");

        var endpoints = OfType(resources, "Microsoft.Network/privateEndpoints").ToList();
        Assert.Equal(["blob", "queue", "table", "vault"], endpoints.Select(GroupOf).Order());
        Assert.All(endpoints, e => Assert.EndsWith("/subnets/private-endpoints",
            e.GetProperty("properties").GetProperty("subnet").GetProperty("id").GetString(), StringComparison.Ordinal));
        Assert.All(endpoints.Where(e => GroupOf(e) != "vault"), e => Assert.Contains("/Microsoft.Storage/storageAccounts/", TargetOf(e), StringComparison.Ordinal));
        Assert.Contains("/Microsoft.KeyVault/vaults/", TargetOf(endpoints.Single(e => GroupOf(e) == "vault")), StringComparison.Ordinal);

        Assert.Equal(4, OfType(resources, "Microsoft.Network/privateDnsZones").Count());
        Assert.Equal(4, OfType(resources, "Microsoft.Network/privateDnsZones/virtualNetworkLinks").Count());
        Assert.Equal(4, OfType(resources, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups").Count());

        foreach (var store in new[] { "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults" })
        {
            var properties = Single(resources, store).GetProperty("properties");
            Assert.Equal("Disabled", properties.GetProperty("publicNetworkAccess").GetString());
            Assert.Equal("Deny", properties.GetProperty("networkAcls").GetProperty("defaultAction").GetString());
        }

        Assert.EndsWith("/virtualNetworks/" + network.GetProperty("name").GetString() + "/subnets/app",
            Single(resources, "Microsoft.Web/sites").GetProperty("properties").GetProperty("virtualNetworkSubnetId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_private_network_nothing_of_it_is_created_and_the_stores_stay_public_with_identity_only_access()
    {
        var resources = Snapshots["public"].Value;

        Assert.DoesNotContain(resources, r => r.GetProperty("type").GetString()!.StartsWith("Microsoft.Network/", StringComparison.Ordinal));
        Assert.Equal("Enabled", Single(resources, "Microsoft.Storage/storageAccounts").GetProperty("properties").GetProperty("publicNetworkAccess").GetString());
        Assert.False(Single(resources, "Microsoft.Storage/storageAccounts").GetProperty("properties").GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.Equal("Enabled", Single(resources, "Microsoft.KeyVault/vaults").GetProperty("properties").GetProperty("publicNetworkAccess").GetString());
        Assert.False(Single(resources, "Microsoft.Web/sites").GetProperty("properties").TryGetProperty("virtualNetworkSubnetId", out var subnet)
            && subnet.ValueKind == JsonValueKind.String);
    }

    [Theory]
    [InlineData("private")]
    [InlineData("public")]
    public void Master_key_reads_table_and_queue_access_and_the_apps_logs_go_to_the_workspace_with_its_retention(string variant)
    {
        var resources = Snapshots[variant].Value;
        var workspace = Single(resources, "Microsoft.OperationalInsights/workspaces");
        var settings = OfType(resources, "Microsoft.Insights/diagnosticSettings").ToList();

        string[] CategoriesOn(string scopeSuffix) => settings
            .Where(s => s.GetProperty("id").GetString()!.Contains(scopeSuffix + "/providers/Microsoft.Insights/diagnosticSettings/", StringComparison.Ordinal))
            .SelectMany(s => s.GetProperty("properties").GetProperty("logs").EnumerateArray().Select(l => l.GetProperty("category").GetString()!))
            .Order().ToArray();

        Assert.Equal(["AuditEvent"], CategoriesOn("/Microsoft.KeyVault/vaults/" + Single(resources, "Microsoft.KeyVault/vaults").GetProperty("name").GetString()));
        Assert.Equal(["StorageDelete", "StorageRead", "StorageWrite"], CategoriesOn("/tableServices/default"));
        Assert.Equal(["StorageDelete", "StorageRead", "StorageWrite"], CategoriesOn("/queueServices/default"));
        Assert.Equal(["FunctionAppLogs"], CategoriesOn("/Microsoft.Web/sites/" + Single(resources, "Microsoft.Web/sites").GetProperty("name").GetString()));
        Assert.All(settings, s => Assert.Equal(workspace.GetProperty("id").GetString(), s.GetProperty("properties").GetProperty("workspaceId").GetString()));
        Assert.Equal(90, workspace.GetProperty("properties").GetProperty("retentionInDays").GetInt32());
    }

    [Theory]
    [InlineData("private")]
    [InlineData("public")]
    public void The_apps_data_roles_are_scoped_to_its_own_tables_and_queue_and_no_one_holds_a_standing_secrets_officer_role(string variant)
    {
        var resources = Snapshots[variant].Value;
        var assignments = OfType(resources, "Microsoft.Authorization/roleAssignments").ToList();

        var tableScopes = ScopesOf(assignments, "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3");
        Assert.Equal(AppTables.Select(t => "/tableServices/default/tables/" + t).Order(), tableScopes.Select(s => s[s.IndexOf("/tableServices/", StringComparison.Ordinal)..]).Order());
        var queueScope = Assert.Single(ScopesOf(assignments, "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"));
        Assert.EndsWith("/queueServices/default/queues/connection-status-events", queueScope, StringComparison.Ordinal);
        var queues = OfType(resources, "Microsoft.Storage/storageAccounts/queueServices/queues").Select(q => q.GetProperty("id").GetString()!).ToList();
        var workScopes = ScopesOf(assignments, "974c5e8b-45b9-4653-ba55-5f855dd0fb88");
        Assert.Equal(["maintenance-work", "maintenance-work-poison"], workScopes.Select(s => s[(s.LastIndexOf('/') + 1)..]).Order());
        Assert.All(workScopes, scope => Assert.Contains(scope, queues));
        Assert.Empty(ScopesOf(assignments, "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"));
        Assert.Empty(ScopesOf(Snapshots["deployer-off"].Value.Where(r => r.GetProperty("type").GetString() == "Microsoft.Authorization/roleAssignments").ToList(),
            "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"));
    }

    [Theory]
    [InlineData("private")]
    [InlineData("public")]
    public void Blob_roles_are_scoped_to_the_package_and_host_containers_and_no_role_is_held_on_the_whole_account(string variant)
    {
        var resources = Snapshots[variant].Value;
        var assignments = OfType(resources, "Microsoft.Authorization/roleAssignments").ToList();
        var account = Single(resources, "Microsoft.Storage/storageAccounts").GetProperty("id").GetString()!;
        var containers = OfType(resources, "Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => c.GetProperty("id").GetString()!).ToList();
        string ContainerOf(string scope) => scope.StartsWith(account + "/blobServices/default/containers/", StringComparison.Ordinal) ? scope[(scope.LastIndexOf('/') + 1)..] : "(not a container: " + scope + ")";

        var owned = Assert.Single(ScopesOf(assignments, "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"));
        Assert.StartsWith("app-package-", ContainerOf(owned), StringComparison.Ordinal);
        Assert.Equal(["azure-webjobs-hosts", "azure-webjobs-secrets"], ScopesOf(assignments, "ba92f5b4-2d11-453d-a403-e96b0029c9fe").Select(ContainerOf).Order());
        Assert.All(ScopesOf(assignments, "b7e6dc6d-f1e8-4753-8033-0f276bb0955b").Concat(ScopesOf(assignments, "ba92f5b4-2d11-453d-a403-e96b0029c9fe")),
            scope => Assert.Contains(scope, containers));
        Assert.DoesNotContain(assignments.Select(a => a.GetProperty("id").GetString()!),
            id => id.StartsWith(account + "/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_deployer_gets_secrets_officer_on_the_vault_only_when_asked_for_the_key_ceremony()
    {
        var assignments = OfType(Snapshots["deployer"].Value, "Microsoft.Authorization/roleAssignments").ToList();

        var scope = Assert.Single(ScopesOf(assignments, "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"));
        Assert.Contains("/Microsoft.KeyVault/vaults/", scope, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("private")]
    [InlineData("public")]
    public void Storage_is_zone_redundant_by_default(string variant) =>
        Assert.Equal("Standard_ZRS", Single(Snapshots[variant].Value, "Microsoft.Storage/storageAccounts").GetProperty("sku").GetProperty("name").GetString());

    [Theory]
    [InlineData("private")]
    [InlineData("public")]
    public void The_operations_workbook_shows_reads_refreshes_statuses_maintenance_and_the_access_queries_over_metrics_the_app_emits(string variant)
    {
        var resources = Snapshots[variant].Value;
        var workbook = Single(resources, "Microsoft.Insights/workbooks");
        Assert.Equal(Single(resources, "Microsoft.OperationalInsights/workspaces").GetProperty("id").GetString(),
            workbook.GetProperty("properties").GetProperty("sourceId").GetString());
        using var content = JsonDocument.Parse(workbook.GetProperty("properties").GetProperty("serializedData").GetString()!);
        var queries = content.RootElement.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("type").GetInt32() == 3)
            .Select(i => i.GetProperty("content").GetProperty("query").GetString()!)
            .ToList();

        Assert.Contains(queries, q => q.Contains("credentials.token.reads", StringComparison.Ordinal) && q.Contains("Properties.caller", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("credentials.refresh.outcomes", StringComparison.Ordinal) && q.Contains("Properties.error", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("reauthorization_required", StringComparison.Ordinal) && q.Contains("1d", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("credentials.maintenance.scanned", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("/secrets/credentials-master-key", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.StartsWith("StorageTableLogs", StringComparison.Ordinal));
        Assert.All(MetricNamesIn(string.Join('\n', queries)), name => Assert.Contains(name, EmittedMetricNames()));
    }

    [Fact]
    public void Four_alerts_watch_refresh_failures_reauthorizations_audit_losses_and_the_master_key_each_with_its_threshold_and_the_action_group()
    {
        var quiet = OfType(Snapshots["public"].Value, "Microsoft.Insights/scheduledQueryRules").ToList();
        var paging = OfType(Snapshots["paging"].Value, "Microsoft.Insights/scheduledQueryRules").ToList();

        Assert.Equal(
            ["credentials-audit-failures", "credentials-master-key-unavailable", "credentials-reauthorization-spike", "credentials-refresh-failures"],
            quiet.Select(r => r.GetProperty("name").GetString()!).Order());
        var workspace = Single(Snapshots["public"].Value, "Microsoft.OperationalInsights/workspaces").GetProperty("id").GetString();
        foreach (var rule in quiet)
        {
            var properties = rule.GetProperty("properties");
            Assert.Equal(workspace, properties.GetProperty("scopes")[0].GetString());
            Assert.Empty(properties.GetProperty("actions").GetProperty("actionGroups").EnumerateArray());
            var query = properties.GetProperty("criteria").GetProperty("allOf")[0].GetProperty("query").GetString()!;
            Assert.All(MetricNamesIn(query), name => Assert.Contains(name, EmittedMetricNames()));
        }

        int ThresholdOf(IEnumerable<JsonElement> rules, string name) => rules.Single(r => r.GetProperty("name").GetString() == name)
            .GetProperty("properties").GetProperty("criteria").GetProperty("allOf")[0].GetProperty("threshold").GetInt32();
        Assert.Equal(20, ThresholdOf(quiet, "credentials-refresh-failures"));
        Assert.Equal(7, ThresholdOf(paging, "credentials-refresh-failures"));
        Assert.Equal(10, ThresholdOf(quiet, "credentials-reauthorization-spike"));
        Assert.Equal(0, ThresholdOf(quiet, "credentials-audit-failures"));
        Assert.Equal(0, ThresholdOf(quiet, "credentials-master-key-unavailable"));
        Assert.All(paging, rule => Assert.EndsWith("/actionGroups/on-call",
            rule.GetProperty("properties").GetProperty("actions").GetProperty("actionGroups")[0].GetString(), StringComparison.Ordinal));
    }

    private static IEnumerable<string> MetricNamesIn(string text) =>
        System.Text.RegularExpressions.Regex.Matches(text, "\"(credentials\\.[a-z_.]+)\"").Select(m => m.Groups[1].Value).Distinct();

    /// <summary>Every instrument name the app's source creates (a query over a name nobody emits would show nothing, forever).</summary>
    private static HashSet<string> EmittedMetricNames() => Directory
        .EnumerateFiles(Path.Combine(Credentials.Tests.Support.RepositoryPaths.Root, "functions"), "*.cs", SearchOption.AllDirectories)
        .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
        .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), "Create(?:Counter|Histogram|ObservableGauge)<[a-z]+>\\(\"(credentials\\.[a-z_.]+)\"")
            .Select(m => m.Groups[1].Value))
        .ToHashSet();

    private static Lazy<IReadOnlyList<JsonElement>> Variant(params string[] parameters) => new(() => BicepCli.Snapshot(
        BaseParameters.Split('|').Concat(parameters).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Literal(p[1]))));

    private static string Literal(string value) => value is "true" or "false" || int.TryParse(value, out _) ? value : $"'{value}'";

    private static IEnumerable<JsonElement> OfType(IEnumerable<JsonElement> resources, string type) =>
        resources.Where(r => r.GetProperty("type").GetString() == type);

    private static JsonElement Single(IEnumerable<JsonElement> resources, string type) => Assert.Single(OfType(resources, type));

    private static string GroupOf(JsonElement endpoint) =>
        endpoint.GetProperty("properties").GetProperty("privateLinkServiceConnections")[0].GetProperty("properties").GetProperty("groupIds")[0].GetString()!;

    private static string TargetOf(JsonElement endpoint) =>
        endpoint.GetProperty("properties").GetProperty("privateLinkServiceConnections")[0].GetProperty("properties").GetProperty("privateLinkServiceId").GetString()!;

    /// <summary>The scopes (resource ids) on which <paramref name="roleId"/> is assigned.</summary>
    private static List<string> ScopesOf(IEnumerable<JsonElement> assignments, string roleId) => assignments
        .Where(a => a.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!.EndsWith(roleId, StringComparison.Ordinal))
        .Select(a => a.GetProperty("id").GetString()!)
        .Select(id => id[..id.IndexOf("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal)])
        .ToList();
}
