using Credentials.AuthorizationSetup;
using Credentials.AuthressLocal;
using Credentials.Tests.Support;
using NSec.Cryptography;

namespace Credentials.Tests.AccessControl;

/// <summary>
/// tools/AuthorizationSetup's command line against the local Authress endpoint: one environment's grants and never the
/// examples unless named, https only (http only to loopback with an explicit flag), and short-lived administration tokens.
/// </summary>
public sealed class AuthorizationSetupCommandTests : IAsyncLifetime, IDisposable
{
    private const string Resource = "/user-credentials/refresh-tokens/users/u1/connections/google";
    private static readonly string Sources = Path.Combine(RepositoryPaths.Root, "infra", "authress");
    private readonly string _accessKey;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private AuthressLocalServer _authress = null!;

    public AuthorizationSetupCommandTests() => (_accessKey, _) = TestAccessKeys.Create("sc_authorization_setup");

    public async Task InitializeAsync()
    {
        _authress = await AuthressLocalServer.StartAsync("http://127.0.0.1:0", new Grants());
        _authress.AddServiceClient(_accessKey);
    }

    public async Task DisposeAsync() => await _authress.DisposeAsync();

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
    }

    [Fact]
    public async Task Applying_environment_prod_creates_the_roles_and_none_of_the_sample_grants()
    {
        var exit = await RunAsync("--environment", "prod", "--authress-url", _authress.BaseAddress.ToString(), "--allow-http-loopback");

        Assert.Equal(0, exit);
        Assert.Contains("create    role credentials-reader", _output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("record", _output.ToString(), StringComparison.Ordinal);
        Assert.False(_authress.Grants.Allows("sc_nightly_sync", Resource, "credentials:read"));
        Assert.False(_authress.Grants.Allows("sc_calendar_assistant", Resource, "credentials:proxy.read"));
        Assert.False(_authress.Grants.Allows("sc_support_tool", "/user-credentials/refresh-tokens/users/demo-user", "credentials:read"));
    }

    [Fact]
    public async Task The_sample_grants_are_applied_only_when_named_as_an_example()
    {
        var exit = await RunAsync("--environment", "dev", "--example", "sample-callers", "--authress-url", _authress.BaseAddress.ToString(), "--allow-http-loopback");

        Assert.Equal(0, exit);
        Assert.True(_authress.Grants.Allows("sc_nightly_sync", Resource, "credentials:read"));
        Assert.True(_authress.Grants.Allows("sc_calendar_assistant", Resource, "credentials:proxy.read"));
    }

    [Fact]
    public async Task An_environment_without_a_grants_file_or_an_example_outside_the_folder_is_refused_before_any_request()
    {
        var url = _authress.BaseAddress.ToString();

        Assert.Equal(SetupCommand.Refused, await RunAsync("--environment", "staging", "--authress-url", url, "--allow-http-loopback"));
        Assert.Equal(SetupCommand.Refused, await RunAsync("--environment", "prod", "--example", "../roles", "--authress-url", url, "--allow-http-loopback"));
        Assert.Equal(SetupCommand.Refused, await RunAsync("--authress-url", url, "--allow-http-loopback"));

        Assert.Contains("environments/staging.json", _error.ToString().Replace('\\', '/'), StringComparison.Ordinal);
        Assert.Empty(_authress.AdministrationTokenLifetimes);
    }

    [Theory]
    [InlineData("http://authress.example.com", true)]
    [InlineData("http://10.0.0.7:8080/", true)]
    [InlineData("http://127.0.0.1:9/", false)]
    [InlineData("ftp://authress.example.com/", true)]
    public async Task An_authress_url_that_is_not_https_is_refused_unless_it_is_loopback_and_the_flag_allows_it(string url, bool withFlag)
    {
        var arguments = new List<string> { "--environment", "prod", "--authress-url", url };
        if (withFlag)
        {
            arguments.Add("--allow-http-loopback");
        }

        var exit = await RunAsync([.. arguments]);

        Assert.Equal(SetupCommand.Refused, exit);
        Assert.Contains("refused", _error.ToString(), StringComparison.Ordinal);
        Assert.Empty(_output.ToString());
    }

    [Fact]
    public async Task Every_administration_request_carries_a_token_that_lives_five_minutes_at_most()
    {
        var exit = await RunAsync("--environment", "dev", "--example", "sample-callers", "--authress-url", _authress.BaseAddress.ToString(), "--allow-http-loopback");

        Assert.Equal(0, exit);
        Assert.NotEmpty(_authress.AdministrationTokenLifetimes);
        Assert.All(_authress.AdministrationTokenLifetimes, lifetime => Assert.InRange(lifetime, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(300)));
    }

    private Task<int> RunAsync(params string[] args) =>
        SetupCommand.RunAsync([.. args, "--directory", Sources], name => name == "AUTHRESS_SETUP_ACCESS_KEY" ? _accessKey : null, _output, _error, CancellationToken.None);
}
