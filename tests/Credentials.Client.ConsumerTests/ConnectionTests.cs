using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Client.ConsumerTests;

/// <summary>The connection routes through the packed client: tags, an API key used through the proxy, and imports refused.</summary>
[Collection(StackGroup.Name)]
public sealed class ConnectionTests(LocalService stack) : IAsyncLifetime
{
    /// <summary>Manages demo-user's connections (<c>credentials-admin</c> on that user: list, create, proxy).</summary>
    private const string SupportTool = "sc_support_tool";

    /// <summary>Imports grants for every user (<c>credentials-importer</c>).</summary>
    private const string Importer = "sc_grant_importer";

    private readonly string _connection = "tags-" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => stack.ConnectAsync(_connection);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Tags_patched_are_read_back_and_filter_the_list()
    {
        await using var services = Consumer.Services(stack, stack.BaseAddress, SupportTool);
        var client = services.GetRequiredService<ICredentialsClient>();
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..8];

        var first = await client.UpdateMetadataAsync(LocalService.User, _connection, new Dictionary<string, string?> { ["tenant"] = tenant, ["old.key"] = "x" });
        var second = await client.UpdateMetadataAsync(LocalService.User, _connection, new Dictionary<string, string?> { ["old.key"] = null });
        var read = await client.GetConnectionAsync(LocalService.User, _connection);
        var found = await ListAllAsync(client, new Dictionary<string, string> { ["tenant"] = tenant });
        var none = await ListAllAsync(client, new Dictionary<string, string> { ["tenant"] = tenant + "-other" });

        Assert.True(first.Succeeded, $"{first.Status} {first.ProblemCode}");
        Assert.Equal("x", first.Connection.Metadata["old.key"]);
        Assert.True(second.Succeeded, $"{second.Status} {second.ProblemCode}");
        Assert.True(read.Succeeded, $"{read.Status} {read.ProblemCode}");
        Assert.Equal(new Dictionary<string, string> { ["tenant"] = tenant }, read.Connection.Metadata);
        Assert.Equal(("sandbox", "active", "oauth"), (read.Connection.Provider, read.Connection.Status, read.Connection.Kind));
        Assert.Equal([_connection], found.Select(connection => connection.ConnectionId));
        Assert.Empty(none);
    }

    [Fact]
    public async Task Bad_tags_a_missing_connection_and_a_caller_without_list_are_their_own_statuses()
    {
        await using var services = Consumer.Services(stack, stack.BaseAddress, SupportTool);
        await using var proxyOnly = Consumer.Services(stack, stack.BaseAddress, LocalService.ProxyCaller);
        var client = services.GetRequiredService<ICredentialsClient>();

        var badTag = await client.UpdateMetadataAsync(LocalService.User, _connection, new Dictionary<string, string?> { ["Not A Key!"] = "x" });
        var missing = await client.GetConnectionAsync(LocalService.User, "never-connected");
        var forbidden = await proxyOnly.GetRequiredService<ICredentialsClient>().ListConnectionsAsync(LocalService.User);

        Assert.Equal((ConnectionCallStatus.InvalidRequest, "invalid_metadata"), (badTag.Status, badTag.ProblemCode));
        Assert.Equal(ConnectionCallStatus.NotFound, missing.Status);
        Assert.Equal((ConnectionCallStatus.Forbidden, "forbidden"), (forbidden.Status, forbidden.ProblemCode));
    }

    [Fact]
    public async Task An_API_key_submitted_through_the_client_is_used_by_the_proxy_and_never_returned()
    {
        var connection = "key-" + Guid.NewGuid().ToString("N")[..8];
        await using var services = Consumer.Services(stack, stack.BaseAddress, SupportTool);
        var client = services.GetRequiredService<ICredentialsClient>();

        var wrong = await client.SubmitSecretAsync(LocalService.User, connection, ConnectionSecret.ApiKey("sandboxkey", "not-the-key"));
        var stored = await client.SubmitSecretAsync(LocalService.User, connection, ConnectionSecret.ApiKey("sandboxkey", "demo-api-key"));
        var rotated = await client.SubmitSecretAsync(LocalService.User, connection, ConnectionSecret.ApiKey("sandboxkey", "demo-api-key"));
        using var keyed = services.GetRequiredService<ICredentialsProxy>().CreateClient(LocalService.User, connection);
        using var me = await keyed.GetAsync(new Uri("me", UriKind.Relative));
        var body = await me.Content.ReadAsStringAsync();

        Assert.Equal((ConnectionCallStatus.Rejected, "secret_rejected"), (wrong.Status, wrong.ProblemCode));
        Assert.True(stored.Status == ConnectionCallStatus.Created, $"{stored.Status} {stored.ProblemCode}");
        Assert.Equal(("sandboxkey", "api_key", "active"), (stored.Connection!.Provider, stored.Connection.Kind, stored.Connection.Status));
        Assert.Equal(ConnectionCallStatus.Succeeded, rotated.Status);
        Assert.DoesNotContain("demo-api-key", stored.ToString(), StringComparison.Ordinal);
        Assert.True(me.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("/keyed/me", body, StringComparison.Ordinal);
        Assert.Contains("sandbox-user-1", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_over_an_active_connection_is_Conflict_and_a_dead_token_is_Rejected()
    {
        await using var services = Consumer.Services(stack, stack.BaseAddress, Importer);
        var client = services.GetRequiredService<ICredentialsClient>();

        var overActive = await client.ImportGrantAsync(LocalService.User, _connection, new GrantImport("sandbox", "a-token-the-old-system-holds"));
        var deadToken = await client.ImportGrantAsync(
            LocalService.User, "import-" + Guid.NewGuid().ToString("N")[..8], new GrantImport("sandbox", "no-such-refresh-token") { Scopes = ["sandbox.read"] });

        Assert.Equal((ConnectionCallStatus.Conflict, "connection_in_use"), (overActive.Status, overActive.ProblemCode));
        Assert.Equal((ConnectionCallStatus.Rejected, "import_grant_rejected"), (deadToken.Status, deadToken.ProblemCode));
        Assert.DoesNotContain("no-such-refresh-token", new GrantImport("sandbox", "no-such-refresh-token").ToString(), StringComparison.Ordinal);
    }

    private static async Task<List<UserConnection>> ListAllAsync(ICredentialsClient client, IReadOnlyDictionary<string, string> metadata)
    {
        var all = new List<UserConnection>();
        string? next = null;
        do
        {
            var page = await client.ListConnectionsAsync(LocalService.User, metadata, next);
            Assert.True(page.Succeeded, $"{page.Status} {page.ProblemCode}");
            all.AddRange(page.Connections);
            next = page.ContinuationToken;
        }
        while (next is not null);
        return all;
    }
}
