using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Client.ConsumerTests;

/// <summary>
/// When no answer comes (the service down or silent, or the caller token source failing), the calls still end in an
/// outcome, within their time. Nothing needs to run for these.
/// </summary>
public sealed class NoAnswerTests
{
    [Fact]
    public async Task A_caller_token_source_that_throws_is_an_outcome_with_the_exception()
    {
        await using var services = Services(Nobody(), callerToken: _ => throw new InvalidOperationException("token endpoint down"));
        var result = await services.GetRequiredService<ICredentialsClient>().GetAccessTokenAsync("demo-user", "google");

        Assert.Equal((AccessTokenStatus.CallerTokenFailed, "caller_token_failed"), (result.Status, result.ProblemCode));
        Assert.Equal("token endpoint down", result.Exception?.Message);
    }

    [Fact]
    public async Task An_unreachable_service_is_Unavailable_with_RetryAfter_in_seconds_not_ten()
    {
        await using var services = Services(Nobody());
        var client = services.GetRequiredService<ICredentialsClient>();
        // The first call also loads and compiles the HTTP and resilience stack, which takes seconds on a busy machine.
        await client.GetAccessTokenAsync("demo-user", "warm-up");
        var watch = Stopwatch.StartNew();

        var result = await client.GetAccessTokenAsync("demo-user", "google");

        Assert.Equal((AccessTokenStatus.Unavailable, "service_unreachable"), (result.Status, result.ProblemCode));
        Assert.Equal(TimeSpan.FromSeconds(5), result.RetryAfter);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task The_timeouts_are_configurable_and_an_address_that_never_answers_costs_at_most_the_total()
    {
        // A listener that accepts connections and never answers: every attempt waits out its timeout.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var address = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");
        await using var services = Services(address, configure: options =>
        {
            options.Timeout = TimeSpan.FromSeconds(1.5);
            options.AttemptTimeout = TimeSpan.FromMilliseconds(500);
            options.RetryDelay = TimeSpan.FromMilliseconds(10);
        });
        var client = services.GetRequiredService<ICredentialsClient>();
        await client.GetAccessTokenAsync("demo-user", "warm-up");
        var watch = Stopwatch.StartNew();

        var result = await client.GetAccessTokenAsync("demo-user", "google");

        Assert.Equal((AccessTokenStatus.Unavailable, "service_timeout"), (result.Status, result.ProblemCode));
        Assert.NotNull(result.RetryAfter);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_proxy_call_to_a_down_service_answers_a_503_problem_instead_of_throwing()
    {
        await using var services = Services(Nobody());
        using var sandbox = services.GetRequiredService<ICredentialsProxy>().CreateClient("demo-user", "google");

        using var response = await sandbox.GetAsync(new Uri("api/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("service_unreachable", await CodeAsync(response));
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_proxy_call_whose_caller_token_source_throws_answers_a_401_problem()
    {
        await using var services = Services(Nobody(), callerToken: _ => throw new InvalidOperationException("no token"));
        using var sandbox = services.GetRequiredService<ICredentialsProxy>().CreateClient("demo-user", "google");

        using var response = await sandbox.GetAsync(new Uri("api/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("caller_token_failed", await CodeAsync(response));
    }

    /// <summary>An address nothing listens on.</summary>
    private static Uri Nobody() => new($"http://127.0.0.1:{LocalService.FreePorts(1)[0]}/");

    private static ServiceProvider Services(Uri baseAddress, Func<CancellationToken, ValueTask<string>>? callerToken = null, Action<CredentialsClientOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddCredentialsClient(options =>
        {
            options.BaseAddress = baseAddress;
            options.CallerToken = callerToken ?? (_ => new ValueTask<string>("caller-token"));
            configure?.Invoke(options);
        });
        return services.BuildServiceProvider();
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("code").GetString();
    }
}
