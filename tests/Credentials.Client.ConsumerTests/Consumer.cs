using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Client.ConsumerTests;

/// <summary>The client registered as docs/client.md shows a consumer doing it.</summary>
internal static class Consumer
{
    public static ServiceProvider Services(LocalService stack, Uri baseAddress, string? caller = null,
        Func<CancellationToken, ValueTask<string>>? callerToken = null, Action<CredentialsClientOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddCredentialsClient(options =>
        {
            options.BaseAddress = baseAddress;
            // A Task-returning source, as most token libraries have, in the ValueTask the option takes.
            options.CallerToken = callerToken ?? (async cancellationToken => await stack.TokenAsync(caller!));
            configure?.Invoke(options);
        });
        return services.BuildServiceProvider();
    }
}
