using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Api;

internal static class ApiServiceCollectionExtensions
{
    /// <summary>The function catalog and what runs before and around the functions: admission, the gates, the token exchange.</summary>
    public static IServiceCollection AddApi(this IServiceCollection services)
    {
        services.AddSingleton(FunctionCatalog.ForAssembly(typeof(FunctionCatalog).Assembly));
        services.AddSingleton<CredentialRequestGate>();
        services.AddSingleton<CallerAdmission>();
        services.AddSingleton<TokenExchangeHandler>();
        services.AddSingleton<NarrowedResourceGate>();
        services.AddSingleton<AllowedMethodsResolver>();
        return services;
    }
}
