using Credentials.Functions.Authentication;
using Credentials.Functions.Authorization;
using Credentials.Functions.Authorization.Authress;
using Credentials.Functions.Http.Gate;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Composition;

internal static class AccessControlServiceCollectionExtensions
{
    /// <summary>Caller authentication (trusted issuers), Authress authorization, and the gate credential endpoints share.</summary>
    public static IServiceCollection AddAccessControl(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CallerAuthenticationOptions>().Bind(configuration.GetSection(CallerAuthenticationOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CallerAuthenticationOptions>, CallerAuthenticationOptionsValidator>();
        services.AddOptions<AuthressOptions>().Bind(configuration.GetSection(AuthressOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthressOptions>, AuthressOptionsValidator>();
        services.AddOptions<AuthorizationOptions>().Bind(configuration.GetSection(AuthorizationOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthorizationOptions>, AuthorizationOptionsValidator>();

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
