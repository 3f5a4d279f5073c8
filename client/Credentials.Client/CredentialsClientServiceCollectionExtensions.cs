using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Credentials.Client;

public static class CredentialsClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICredentialsClient"/> with <see cref="IHttpClientFactory"/> and the standard resilience handler:
    /// transient failures are retried, and a 503 or 429 is retried when its <c>Retry-After</c> is at most
    /// <see cref="CredentialsClientOptions.MaxRetryAfterWithinCall"/> (otherwise the caller gets it as a value). Also
    /// registers <see cref="ICredentialsProxy"/>, whose clients send requests through the service's proxy, unretried.
    /// </summary>
    public static IHttpClientBuilder AddCredentialsClient(this IServiceCollection services, Action<CredentialsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CredentialsClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true } && o.CallerToken is not null,
                "The Credentials client needs an absolute BaseAddress and a CallerToken source.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AccessTokenStore>();
        services.TryAddTransient<CallerTokenHandler>();
        services.TryAddSingleton<ICredentialsProxy, CredentialsProxy>();
        // Proxied requests may be anything (a POST that must not run twice), so nothing retries them here; a 401 from the
        // provider is already renewed and retried once by the service.
        services.AddHttpClient(CredentialsProxy.HttpClientName).AddHttpMessageHandler<CallerTokenHandler>();

        var builder = services.AddHttpClient<ICredentialsClient, CredentialsClient>((provider, http) =>
        {
            var baseAddress = provider.GetRequiredService<IOptions<CredentialsClientOptions>>().Value.BaseAddress!;
            http.BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        });
        builder.AddStandardResilienceHandler().Configure((resilience, provider) =>
        {
            var limit = provider.GetRequiredService<IOptions<CredentialsClientOptions>>().Value.MaxRetryAfterWithinCall;
            resilience.Retry.ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome switch
            {
                { Result: { StatusCode: HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests } response } =>
                    RetryAfterLimits.AllowsRetryWithinCall(response, limit),
                var outcome => HttpClientResiliencePredicates.IsTransient(outcome),
            });
        });
        return builder;
    }

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
