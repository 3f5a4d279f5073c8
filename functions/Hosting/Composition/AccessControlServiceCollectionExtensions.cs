using Credentials.Functions.AccessControl;
using Credentials.Functions.AccessControl.Authress;
using Credentials.Functions.Api;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Hosting.Composition;

internal static class AccessControlServiceCollectionExtensions
{
    /// <summary>Caller authentication (trusted issuers), Authress authorization, and the gate credential endpoints share.</summary>
    public static IServiceCollection AddAccessControl(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CallerAuthenticationOptions, CallerAuthenticationOptionsValidator>(configuration, CallerAuthenticationOptions.SectionName);
        services.AddValidatedOptions<AuthressOptions, AuthressOptionsValidator>(configuration, AuthressOptions.SectionName);
        services.AddValidatedOptions<AuthorizationOptions, AuthorizationOptionsValidator>(configuration, AuthorizationOptions.SectionName);
        services.AddValidatedOptions<CallerRateLimitOptions, CallerRateLimitOptionsValidator>(configuration, CallerRateLimitOptions.SectionName);
        services.AddSingleton<CallerRateLimiter>();

        services.AddHttpClient(SigningKeyCache.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddHttpClient(AuthressClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);

        services.AddSingleton<SigningKeyCache>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<CallerAuthenticator>();
        services.AddSingleton<AuthressServiceTokenProvider>();
        services.AddSingleton<AuthressClient>();
        services.AddSingleton<AuthorizationDecisionCache>();
        services.AddSingleton<CredentialAuthorizer>();
        services.AddSingleton<CredentialRequestGate>();
        return services;
    }
}
