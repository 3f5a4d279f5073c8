using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Hosting.Pipeline;

internal static class PipelineServiceCollectionExtensions
{
    /// <summary>The guard every HTTP invocation runs through, in the worker's middleware and in the dev host alike.</summary>
    public static IServiceCollection AddHttpPipeline(this IServiceCollection services)
    {
        services.AddSingleton<HttpInvocationGuard>();
        return services;
    }
}
