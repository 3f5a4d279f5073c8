using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Hosting;

public sealed class HttpPipelineTests : IAsyncLifetime
{
    private RunningDevHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await RunningDevHost.StartAsync(
            configureServices: services => services.AddSingleton<ProbeTimerLog>(),
            additionalFunctionAssemblies: [typeof(ProbeFunctions).Assembly]);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Health_answers_ok_over_http_with_no_store_and_a_correlation_id()
    {
        using var response = await _host.Client.GetAsync(new Uri("api/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.True(response.Headers.TryGetValues("x-correlation-id", out var ids));
        Assert.Matches("^[0-9a-f]{32}$", ids.Single());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Single(body.EnumerateObject());
    }

    [Theory]
    [InlineData("api/no/such/thing")]
    [InlineData("")]
    [InlineData("favicon.ico")]
    [InlineData("admin/login")]
    public async Task Unknown_route_is_a_404_problem_inside_and_outside_api(string path)
    {
        using var response = await _host.Client.GetAsync(new Uri("/" + path, UriKind.Relative));

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Wrong_method_is_a_405_problem_with_allow_header()
    {
        using var response = await _host.Client.DeleteAsync(new Uri("api/health", UriKind.Relative));

        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal("GET", response.Content.Headers.Allow.Single());
    }

    [Fact]
    public async Task Exception_in_a_function_is_a_500_problem_without_exception_text()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/probe/throws");
        request.Headers.Add("x-correlation-id", "caller-chosen-id-42");

        using var response = await _host.Client.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.InternalServerError, "internal_error");
        Assert.Equal("caller-chosen-id-42", problem.GetProperty("correlationId").GetString());
        Assert.Equal("caller-chosen-id-42", response.Headers.GetValues("x-correlation-id").Single());
        var raw = problem.GetRawText();
        Assert.DoesNotContain("do-not-leak", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("<script>")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task Unsafe_caller_correlation_ids_are_replaced(string supplied)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/health");
        request.Headers.TryAddWithoutValidation("x-correlation-id", supplied);

        using var response = await _host.Client.SendAsync(request);

        Assert.Matches("^[0-9a-f]{32}$", response.Headers.GetValues("x-correlation-id").Single());
    }

    [Fact]
    public async Task Route_parameters_bind_by_name_and_type()
    {
        var body = await _host.Client.GetFromJsonAsync<JsonElement>(new Uri("api/probe/echo/alice/7", UriKind.Relative));

        Assert.Equal("alice", body.GetProperty("name").GetString());
        Assert.Equal(7, body.GetProperty("count").GetInt32());
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(response.Headers.GetValues("x-correlation-id").Single(), problem.GetProperty("correlationId").GetString());
        return problem;
    }
}
