using Credentials.Functions.Providers;
using Credentials.Functions.Proxy;
using Microsoft.AspNetCore.Http;

namespace Credentials.Tests.Proxy;

/// <summary>Where a proxied request may go, and which headers cross the proxy (pure logic; the end-to-end cases are in the integration tests).</summary>
public sealed class ProxyTargetTests
{
    private static readonly Uri SlackApi = new("https://slack.com/api");

    [Theory]
    [InlineData("chat.postMessage", "", "https://slack.com/api/chat.postMessage")]
    [InlineData("users.info", "?user=U1&x=%20", "https://slack.com/api/users.info?user=U1&x=%20")]
    [InlineData("files/a%20b/", "", "https://slack.com/api/files/a%20b/")]
    [InlineData("", "", "https://slack.com/api/")]
    public void A_path_is_appended_to_the_base_url_as_sent(string path, string query, string expected)
    {
        Assert.Equal(expected, ProxyTarget.Resolve(SlackApi, path, query, out var refusal)!.AbsoluteUri);
        Assert.Null(refusal);
    }

    [Theory]
    [InlineData("../admin")]
    [InlineData("a/./b")]
    [InlineData("a/%2e%2E/b")]
    [InlineData("a/%2E")]
    [InlineData("a%2fb")]
    [InlineData("a%5Cb")]
    [InlineData("..%252F..%252Fadmin")]
    [InlineData("a%255Cb")]
    [InlineData("%252e%252E/x")]
    [InlineData("a\\b")]
    [InlineData("a//b")]
    [InlineData("/evil.example/x")]
    [InlineData("https:%2F%2Fevil.example")]
    [InlineData("evil.example:443/x")]
    [InlineData("a%0Ab")]
    [InlineData("a%zzb")]
    [InlineData("a%2")]
    [InlineData("a b")]
    [InlineData("caf\u00e9")]
    [InlineData("a%2541")]
    [InlineData("files/100%25")]
    [InlineData("a;jsessionid=x")]
    [InlineData("a/b;v=1/c")]
    [InlineData("a%3Bb")]
    [InlineData("oauth2%3b/token")]
    public void A_path_that_could_leave_the_base_url_is_refused(string path)
    {
        Assert.Null(ProxyTarget.Resolve(SlackApi, path, string.Empty, out var refusal));
        Assert.NotNull(refusal);
    }

    [Theory]
    [InlineData("https://slack.com/api/files.list?page=2", "/api/proxy/users/u/connections/c/files.list?page=2")]
    [InlineData("/api/files.info", "/api/proxy/users/u/connections/c/files.info")]
    [InlineData("https://slack.com/other", null)]
    [InlineData("https://files.slack.com/api/x", null)]
    [InlineData("http://slack.com/api/x", null)]
    public void A_redirect_is_passed_on_only_within_the_api(string location, string? throughProxy)
    {
        var target = new Uri("https://slack.com/api/files.list");

        Assert.Equal(throughProxy, ProxyTarget.ThroughProxy(SlackApi, target, new Uri(location, UriKind.RelativeOrAbsolute), "/api/proxy/users/u/connections/c/"));
    }

    [Fact]
    public void The_callers_credentials_hop_by_hop_and_platform_headers_are_not_forwarded()
    {
        var from = new HeaderDictionary
        {
            ["Authorization"] = "Bearer caller-jwt",
            ["Cookie"] = "a=b",
            ["Connection"] = "keep-alive, X-Secret-Hop",
            ["X-Secret-Hop"] = "1",
            ["Keep-Alive"] = "timeout=5",
            ["X-Forwarded-For"] = "10.0.0.1",
            ["X-MS-Client-Principal"] = "x",
            ["traceparent"] = "00-abc-def-01",
            ["X-Credentials-Api"] = "graph",
            ["Accept"] = "application/json",
            ["If-Match"] = "\"v1\"",
            ["Content-Type"] = "application/json",
            ["X-Api-Key"] = "caller-jwt",
        };
        using var to = new HttpRequestMessage(HttpMethod.Post, "https://slack.com/api/x") { Content = new ByteArrayContent([1]) };

        ProxyHeaders.CopyToProvider(from, to);

        Assert.Equal(["Accept", "If-Match"], to.Headers.Select(h => h.Key).Order(StringComparer.Ordinal));
        Assert.Equal("application/json", to.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public void Cookies_caching_and_hop_by_hop_headers_are_not_returned()
    {
        using var from = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("{}") };
        from.Headers.Add("Set-Cookie", "s=1");
        from.Headers.Add("Cache-Control", "public, max-age=3600");
        from.Headers.Add("Retry-After", "7");
        from.Headers.Add("X-RateLimit-Remaining", "10");
        from.Headers.TransferEncodingChunked = true;
        var to = new DefaultHttpContext().Response;

        ProxyHeaders.CopyToCaller(from, to);

        Assert.Equal("7", to.Headers.RetryAfter.ToString());
        Assert.Equal("10", to.Headers["X-RateLimit-Remaining"].ToString());
        Assert.StartsWith("text/plain", to.Headers.ContentType.ToString(), StringComparison.Ordinal);
        Assert.False(to.Headers.ContainsKey("Set-Cookie"));
        Assert.False(to.Headers.ContainsKey("Cache-Control"));
        Assert.False(to.Headers.ContainsKey("Transfer-Encoding"));
    }

    [Fact]
    public void APIs_come_from_the_preset_and_settings_and_are_chosen_by_name_position_or_default()
    {
        var failures = new List<string>();
        var apis = ProviderApi.Build(
            new Dictionary<string, string> { ["default"] = "https://www.googleapis.com", ["gmail"] = "https://gmail.googleapis.com" },
            new Dictionary<string, string> { ["gmail"] = "https://gmail.example.com/", ["10"] = "https://ten.example.com", ["2"] = "https://two.example.com" },
            name => "Providers:p:ApiBaseUrls:" + name, failures);

        Assert.Empty(failures);
        Assert.Equal(["default", "2", "10", "gmail"], apis.Select(api => api.Name));
        Assert.Equal("https://gmail.example.com/", ProviderApi.Select(apis, "gmail")!.BaseUrl!.AbsoluteUri);
        Assert.Equal("2", ProviderApi.Select(apis, "2")!.Name); // a name before a position
        Assert.Equal("gmail", ProviderApi.Select(apis, "3")!.Name);
        Assert.Equal("default", ProviderApi.Select(apis, null)!.Name);
        Assert.Null(ProviderApi.Select(apis, "4"));
        Assert.Null(ProviderApi.Select(apis, "https://www.googleapis.com"));
        Assert.Null(ProviderApi.Select([], null));
    }

    [Theory]
    [InlineData("https://na1.salesforce.com", "https://na1.salesforce.com/")]
    [InlineData("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com/")]
    [InlineData("https://evil.example/x.salesforce.com", null)]
    [InlineData("https://salesforce.com.evil.example", null)]
    [InlineData("http://na1.salesforce.com", null)]
    [InlineData("https://na1.salesforce.com/services", null)]
    [InlineData("https://na1.salesforce.com?x=1", null)]
    [InlineData(null, null)]
    public void An_instance_url_is_kept_only_as_an_https_origin_on_an_allowed_host(string? value, string? kept)
    {
        Assert.Equal(kept, ProviderApi.InstanceUrl(value, [".salesforce.com", ".force.com"])?.AbsoluteUri);
    }

    [Theory]
    [InlineData("http://api.example.com")]
    [InlineData("https://api.example.com/?a=1")]
    [InlineData("https://user:pw@api.example.com")]
    [InlineData("https://api.example.com/#x")]
    [InlineData("not a url")]
    public void A_bad_base_url_fails_start_up_naming_its_setting(string url)
    {
        var failures = new List<string>();

        ProviderApi.Build(new Dictionary<string, string>(), new Dictionary<string, string> { ["x"] = url }, name => "Providers:p:ApiBaseUrls:" + name, failures);

        Assert.Contains("Providers:p:ApiBaseUrls:x", Assert.Single(failures), StringComparison.Ordinal);
    }

    /// <summary>The last check before a request is sent, on its own: the path checks in front of it hide it in every other test.</summary>
    [Theory]
    [InlineData("https://api.example.com/v1/messages", true)]
    [InlineData("https://API.example.com/v1", true)]
    [InlineData("https://api.example.com/v10/messages", false)]
    [InlineData("https://api.example.com/other", false)]
    [InlineData("http://api.example.com/v1/messages", false)]
    [InlineData("https://api.example.com:8443/v1/messages", false)]
    [InlineData("https://api.example.com.evil.test/v1/messages", false)]
    [InlineData("https://user@evil.test/v1/messages", false)]
    public void The_final_same_origin_check_keeps_a_target_at_or_under_the_base_url(string url, bool within) =>
        Assert.Equal(within, ProxyTarget.IsWithin(new Uri("https://api.example.com/v1"), new Uri(url)));
}
