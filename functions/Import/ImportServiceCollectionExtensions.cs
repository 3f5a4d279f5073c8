using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Import;

internal static class ImportServiceCollectionExtensions
{
    /// <summary>Importing a grant another system holds, proved by one refresh before it is stored.</summary>
    public static IServiceCollection AddImport(this IServiceCollection services)
    {
        services.AddSingleton<GrantImporter>();
        return services;
    }
}
