using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.OAuthConnect;

internal static class OAuthConnectServiceCollectionExtensions
{
    /// <summary>The connect flow: start (state + PKCE), callback, completion by the signed-in user.</summary>
    public static IServiceCollection AddOAuthConnect(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ConnectOptions, ConnectOptionsValidator>(configuration, ConnectOptions.SectionName);
        services.AddSingleton<OAuthStateStore>();
        services.AddSingleton<ReturnUrlPolicy>();
        services.AddSingleton<BrowserBindingCookie>();
        services.AddSingleton<ConnectionStarter>();
        services.AddSingleton<OAuthCallbackHandler>();
        services.AddSingleton<PendingConnectionStore>();
        services.AddSingleton<ConnectionActivator>();
        services.AddSingleton<ConnectionCompleter>();
        services.AddHostedService<CompletionModeWarning>();
        return services;
    }
}
