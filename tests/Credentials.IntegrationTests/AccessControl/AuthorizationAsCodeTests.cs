using System.Net;
using System.Net.Http.Json;
using Credentials.AuthorizationSetup;
using Credentials.AuthressLocal;
using Credentials.Functions.AccessControl.Authress;
using Credentials.Tests.Support;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Credentials.Tests.AccessControl;

/// <summary>
/// infra/authress/roles.json with the sample callers (examples/sample-callers.json) applied by tools/AuthorizationSetup
/// through the roles and access-records API of the local Authress endpoint (which implements those routes and really
/// refuses unauthenticated callers).
/// </summary>
public sealed class AuthorizationAsCodeTests : IAsyncLifetime, IDisposable
{
    private static readonly string Sources = Path.Combine(RepositoryPaths.Root, "infra", "authress");
    private AuthressLocalServer _authress = null!;
    private AuthressServiceTokenProvider _tokens = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var (accessKey, _) = TestAccessKeys.Create("sc_authorization_setup");
        _authress = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", new Grants());
        _authress.AddServiceClient(accessKey);
        _tokens = new AuthressServiceTokenProvider(Options.Create(new AuthressOptions { ApiBaseUrl = _authress.BaseAddress, AccessKey = accessKey }), TimeProvider.System);
        _client = new HttpClient { BaseAddress = _authress.BaseAddress };
        _client.DefaultRequestHeaders.Authorization = new("Bearer", _tokens.GetToken());
    }

    public async Task DisposeAsync() => await _authress.DisposeAsync();

    public void Dispose()
    {
        _client.Dispose();
        _tokens.Dispose();
    }

    [Fact]
    public async Task Applying_the_file_to_an_empty_account_creates_its_roles_and_records_and_a_second_apply_changes_nothing()
    {
        var file = SampleFile();
        Assert.False(_authress.Grants.Allows("sc_nightly_sync", "/user-credentials/refresh-tokens/users/u1", "credentials:read"));

        var first = await new AuthorizationApplier(_client).ApplyAsync(file, dryRun: false, CancellationToken.None);

        Assert.Equal(["credentials-admin", "credentials-importer", "credentials-proxy", "credentials-proxy-reader", "credentials-reader"], first.Where(c => c.Kind == "role").Select(c => c.Id).Order());
        Assert.All(first, c => Assert.Equal(ChangeKind.Create, c.Change));
        Assert.Equal(file.Roles.Count + file.Records.Count, _authress.AdministrationWrites);
        Assert.True(_authress.Grants.Allows("sc_nightly_sync", "/user-credentials/refresh-tokens/users/u1/connections/google", "credentials:read"));
        Assert.False(_authress.Grants.Allows("sc_nightly_sync", "/user-credentials/refresh-tokens/users/u1", "credentials:delete"));
        // The proxy caller may act for users but never read their tokens, and the token reader may not proxy.
        Assert.True(_authress.Grants.Allows("sc_calendar_assistant", "/user-credentials/refresh-tokens/users/u1/connections/google", "credentials:proxy.read"));
        Assert.True(_authress.Grants.Allows("sc_calendar_assistant", "/user-credentials/refresh-tokens/users/u1/connections/google", "credentials:proxy.write"));
        Assert.False(_authress.Grants.Allows("sc_calendar_assistant", "/user-credentials/refresh-tokens/users/u1/connections/google", "credentials:read"));
        Assert.False(_authress.Grants.Allows("sc_nightly_sync", "/user-credentials/refresh-tokens/users/u1/connections/google", "credentials:proxy.read"));

        var second = await new AuthorizationApplier(_client).ApplyAsync(file, dryRun: false, CancellationToken.None);

        Assert.All(second, c => Assert.Equal(ChangeKind.Unchanged, c.Change));
        Assert.Equal(file.Roles.Count + file.Records.Count, _authress.AdministrationWrites);
    }

    [Fact]
    public async Task A_dry_run_names_what_drifted_and_writes_nothing_and_applying_puts_it_back()
    {
        var file = SampleFile();
        await new AuthorizationApplier(_client).ApplyAsync(file, dryRun: false, CancellationToken.None);
        var reader = file.Roles.Single(r => r.RoleId == "credentials-reader");
        using (var drift = await _client.PutAsJsonAsync("v1/roles/credentials-reader", reader with { Permissions = [reader.Permissions[0]] }, AuthorizationFile.Format))
        {
            drift.EnsureSuccessStatusCode();
        }

        var writesBefore = _authress.AdministrationWrites;
        var planned = await new AuthorizationApplier(_client).ApplyAsync(file, dryRun: true, CancellationToken.None);

        var change = Assert.Single(planned, c => c.Change != ChangeKind.Unchanged);
        Assert.Equal(("role", "credentials-reader", ChangeKind.Update), (change.Kind, change.Id, change.Change));
        Assert.Contains("permissions", change.Difference, StringComparison.Ordinal);
        Assert.Equal(writesBefore, _authress.AdministrationWrites);
        Assert.False(_authress.Grants.Allows("sc_nightly_sync", "/user-credentials/refresh-tokens/users/u1", "credentials:list"));

        await new AuthorizationApplier(_client).ApplyAsync(file, dryRun: false, CancellationToken.None);

        Assert.True(_authress.Grants.Allows("sc_nightly_sync", "/user-credentials/refresh-tokens/users/u1", "credentials:list"));
    }

    [Fact]
    public async Task The_administration_routes_refuse_a_caller_without_a_service_client_token()
    {
        using var anonymous = new HttpClient { BaseAddress = _authress.BaseAddress };

        using var read = await anonymous.GetAsync("v1/roles/credentials-reader");
        using var write = await anonymous.PostAsJsonAsync("v1/roles", SampleFile().Roles[0], AuthorizationFile.Format);

        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        Assert.Equal(0, _authress.AdministrationWrites);
    }

    [Fact]
    public void The_local_endpoint_loaded_from_the_same_file_grants_exactly_what_the_file_says()
    {
        var grants = Grants.Load(Path.Combine(Sources, "roles.json"), Path.Combine(Sources, "examples", "sample-callers.json"));

        Assert.True(grants.Allows("sc_nightly_sync", "/user-credentials/refresh-tokens/users/anyone", "credentials:read"));
        Assert.True(grants.Allows("sc_support_tool", "/user-credentials/refresh-tokens/users/demo-user", "credentials:delete"));
        Assert.False(grants.Allows("sc_support_tool", "/user-credentials/refresh-tokens/users/someone-else", "credentials:read"));
        Assert.False(grants.Allows("sc_unknown", "/user-credentials/refresh-tokens/users/anyone", "credentials:read"));
    }

    private static AuthorizationFile SampleFile() => AuthorizationSources.Compose(Sources, "dev", ["sample-callers"]);
}
