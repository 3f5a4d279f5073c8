using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Credentials.Client;

/// <summary>Registers the Credentials client (<see cref="ICredentialsClient"/>, <see cref="ICredentialsProxy"/>) and its handler.</summary>
public static class CredentialsClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICredentialsClient"/> with <see cref="IHttpClientFactory"/> and the standard resilience handler:
    /// transient failures are retried, and a 503 or 429 is retried when its <c>Retry-After</c> is at most
    /// <see cref="CredentialsClientOptions.MaxRetryAfterWithinCall"/> (otherwise the caller gets it as a value). The
    /// timeouts and retries come from <see cref="CredentialsClientOptions"/>. Also registers <see cref="ICredentialsProxy"/>,
    /// whose clients send requests through the service's proxy, unretried.
    /// </summary>
    /// <returns>
    /// The builder of the token client's <see cref="HttpClient"/> (the typed client of <see cref="ICredentialsClient"/>): add
    /// a handler (e.g. for telemetry) with <c>AddHttpMessageHandler</c>; a handler added here runs inside the retries, once per attempt.
    /// </returns>
    public static IHttpClientBuilder AddCredentialsClient(this IServiceCollection services, Action<CredentialsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CredentialsClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true } && o.CallerToken is not null,
                "The Credentials client needs an absolute BaseAddress and a CallerToken source.")
            .Validate(o => o.Timeout > TimeSpan.Zero && o.AttemptTimeout > TimeSpan.Zero && o.ConnectTimeout > TimeSpan.Zero && o.ProxyTimeout > TimeSpan.Zero
                    && o.MaxRetryAttempts >= 0 && o.RetryDelay >= TimeSpan.Zero && o.MaxCacheAge >= TimeSpan.Zero && o.UnavailableRetryAfter >= TimeSpan.Zero,
                "The Credentials client's timeouts must be positive, and its retry count, retry delay, cache age and RetryAfter not negative.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AccessTokenStore>();
        services.TryAddTransient<CallerTokenHandler>();
        services.TryAddSingleton<ICredentialsProxy, CredentialsProxy>();
        // Proxied requests may be anything (a POST that must not run twice), so nothing retries them here; a 401 from the
        // provider is already renewed and retried once by the service.
        services.TryAddTransient<ProxyOutcomeHandler>();
        services.AddHttpClient(CredentialsProxy.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(PrimaryHandler)
            .AddHttpMessageHandler<ProxyOutcomeHandler>()
            .AddHttpMessageHandler<CallerTokenHandler>();

        var builder = services.AddHttpClient<ICredentialsClient, CredentialsClient>((provider, http) =>
        {
            var baseAddress = provider.GetRequiredService<IOptions<CredentialsClientOptions>>().Value.BaseAddress!;
            http.BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        }).ConfigurePrimaryHttpMessageHandler(PrimaryHandler);
        builder.AddStandardResilienceHandler().Configure((resilience, provider) =>
        {
            var client = provider.GetRequiredService<IOptions<CredentialsClientOptions>>().Value;
            var limit = client.MaxRetryAfterWithinCall;
            resilience.TotalRequestTimeout.Timeout = client.Timeout;
            resilience.AttemptTimeout.Timeout = client.AttemptTimeout < client.Timeout ? client.AttemptTimeout : client.Timeout;
            // The standard handler requires a sampling window of at least two attempts.
            var window = resilience.AttemptTimeout.Timeout * 2;
            resilience.CircuitBreaker.SamplingDuration = window > resilience.CircuitBreaker.SamplingDuration ? window : resilience.CircuitBreaker.SamplingDuration;
            // Polly needs at least one attempt configured; MaxRetryAttempts = 0 is honoured by handling nothing below.
            resilience.Retry.MaxRetryAttempts = Math.Max(1, client.MaxRetryAttempts);
            resilience.Retry.Delay = client.RetryDelay;
            resilience.Retry.ShouldHandle = arguments => ValueTask.FromResult(client.MaxRetryAttempts > 0 && arguments.Outcome switch
            {
                { Result: { StatusCode: HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests } response } =>
                    RetryAfterLimits.AllowsRetryWithinCall(response, limit),
                var outcome => HttpClientResiliencePredicates.IsTransient(outcome),
            });
        });
        return builder;
    }

    // <summary>Sockets with a bounded connect time: an address that never answers costs <see cref="CredentialsClientOptions.ConnectTimeout"/>.</summary>
    private static SocketsHttpHandler PrimaryHandler(IServiceProvider provider) => new()
    {
        ConnectTimeout = provider.GetRequiredService<IOptions<CredentialsClientOptions>>().Value.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    /// <summary>
    /// Adds <see cref="ProviderTokenHandler"/> to a client for a provider's API: each request carries the access token of
    /// the connection named with <see cref="CredentialsRequestOptions.ForConnection"/>. Requires <see cref="AddCredentialsClient"/>.
    /// </summary>
    public static IHttpClientBuilder AddProviderTokenHandler(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddHttpMessageHandler(provider => new ProviderTokenHandler(provider.GetRequiredService<ICredentialsClient>()));
    }
}
