using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Client.ConsumerTests;

/// <summary>Each answer of the running service is its own typed outcome (docs/client.md's table).</summary>
[Collection(StackGroup.Name)]
public sealed class OutcomeTests(LocalService stack) : IAsyncLifetime
{
    private readonly string _connection = "outcomes-" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => stack.ConnectAsync(_connection);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_connected_user_gets_a_token_whose_value_is_in_Token_Value()
    {
        await using var services = Services(stack.BaseAddress, LocalService.Reader);
        var result = await services.GetRequiredService<ICredentialsClient>().GetAccessTokenAsync(LocalService.User, _connection);

        Assert.True(result.Succeeded, $"{result.Status} {result.ProblemCode}");
        Assert.False(string.IsNullOrEmpty(result.Token.Value));
        Assert.Equal("sandbox", result.Token.Provider);
        Assert.True(result.Token.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task A_malformed_id_is_InvalidRequest_not_NotFound()
    {
        await using var services = Services(stack.BaseAddress, LocalService.Reader);
        var result = await services.GetRequiredService<ICredentialsClient>().GetAccessTokenAsync(LocalService.User, "not an id!");

        Assert.Equal((AccessTokenStatus.InvalidRequest, "invalid_identifier"), (result.Status, result.ProblemCode));
    }

    [Fact]
    public async Task A_missing_connection_is_NotFound()
    {
        await using var services = Services(stack.BaseAddress, LocalService.Reader);
        var result = await services.GetRequiredService<ICredentialsClient>().GetAccessTokenAsync(LocalService.User, "never-connected");

        Assert.Equal(AccessTokenStatus.NotFound, result.Status);
        Assert.NotNull(result.ProblemCode);
        Assert.NotEqual("not_found", result.ProblemCode);
    }

    [Fact]
    public async Task A_base_address_with_api_in_it_is_ServiceNotFound()
    {
        // The URL run.sh prints ends in /api; the client adds api/ itself.
        await using var services = Services(new Uri(stack.BaseAddress, "api/"), LocalService.Reader);
        var result = await services.GetRequiredService<ICredentialsClient>().GetAccessTokenAsync(LocalService.User, _connection);

        Assert.Equal(AccessTokenStatus.ServiceNotFound, result.Status);
    }

    [Fact]
    public async Task A_refused_caller_token_is_Unauthenticated_and_a_caller_without_the_permission_is_Forbidden()
    {
        await using var refused = Services(stack.BaseAddress, callerToken: _ => new ValueTask<string>("not-a-jwt"));
        await using var proxyOnly = Services(stack.BaseAddress, LocalService.ProxyCaller);

        var unauthenticated = await refused.GetRequiredService<ICredentialsClient>().GetAccessTokenAsync(LocalService.User, _connection);
        var forbidden = await proxyOnly.GetRequiredService<ICredentialsClient>().GetAccessTokenAsync(LocalService.User, _connection);

        Assert.Equal((AccessTokenStatus.Unauthenticated, "invalid_token"), (unauthenticated.Status, unauthenticated.ProblemCode));
        Assert.Equal((AccessTokenStatus.Forbidden, "forbidden"), (forbidden.Status, forbidden.ProblemCode));
    }

    private ServiceProvider Services(
        Uri baseAddress, string? caller = null, Func<CancellationToken, ValueTask<string>>? callerToken = null, Action<CredentialsClientOptions>? configure = null) =>
        Consumer.Services(stack, baseAddress, caller, callerToken, configure);
}
