using Credentials.Functions.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Composition;

internal static class TokenServiceCollectionExtensions
{
    /// <summary>The refresh engine, access-token hand-out and disconnect.</summary>
    public static IServiceCollection AddAccessTokens(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RefreshOptions, RefreshOptionsValidator>(configuration, RefreshOptions.SectionName);
        services.AddSingleton<AccessTokenCache>();
        services.AddSingleton<RefreshEngine>();
        services.AddSingleton<AccessTokenService>();
        services.AddSingleton<ConnectionRemover>();
        return services;
    }
}
