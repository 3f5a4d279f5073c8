using Credentials.Functions.Providers;

namespace Credentials.Tests.Providers;

/// <summary>The presets' proxy path policies: each provider's OAuth, session and credential-minting endpoints are refused.</summary>
public sealed class ApiPathPolicyTests
{
    [Theory]
    [InlineData("salesforce", "GET", "services/oauth2/singleaccess")]
    [InlineData("salesforce", "POST", "services/oauth2/token")]
    [InlineData("salesforce", "GET", "secur/frontdoor.jsp")]
    [InlineData("salesforce", "GET", "Services/OAuth2/userinfo")]
    [InlineData("slack", "POST", "auth.revoke")]
    [InlineData("microsoft", "POST", "v1.0/applications/0f1e/addPassword")]
    [InlineData("microsoft", "POST", "beta/servicePrincipals/0f1e/addKey")]
    [InlineData("github", "POST", "user/keys")]
    [InlineData("google", "GET", "oauth2/v3/tokeninfo")]
    public void A_presets_credential_endpoint_is_refused(string preset, string method, string path) =>
        Assert.NotNull(PolicyOf(preset).Refusal(method, path));

    [Theory]
    [InlineData("salesforce", "GET", "services/data/v62.0/sobjects/Account")]
    [InlineData("slack", "POST", "chat.postMessage")]
    [InlineData("microsoft", "GET", "v1.0/applications/0f1e")]
    [InlineData("github", "GET", "user/keys")]
    [InlineData("google", "GET", "calendar/v3/calendars/primary/events")]
    public void Other_paths_of_a_preset_pass(string preset, string method, string path) =>
        Assert.Null(PolicyOf(preset).Refusal(method, path));

    [Fact]
    public void A_malformed_rule_names_its_setting()
    {
        var failures = new List<string>();

        ApiPathPolicy.Build(["ok/path", "a//b", "post x"], index => $"Providers:p:ApiPathDeny:{index}", failures);

        Assert.Equal(2, failures.Count);
        Assert.StartsWith("Providers:p:ApiPathDeny:1 ", failures[0], StringComparison.Ordinal);
        Assert.StartsWith("Providers:p:ApiPathDeny:2 ", failures[1], StringComparison.Ordinal);
    }

    private static ApiPathPolicy PolicyOf(string preset)
    {
        var failures = new List<string>();
        var policy = ApiPathPolicy.Build(ProviderPresets.Find(preset)!.ApiPathDeny, index => $"rule {index}", failures);
        Assert.Empty(failures);
        return policy;
    }
}
