using Credentials.Functions.AccessControl.Authress;
using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.AccessControl;

internal static class AccessControlServiceCollectionExtensions
{
    /// <summary>Caller authentication (trusted issuers), and Authress authorization.</summary>
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
        return services;
    }
}
