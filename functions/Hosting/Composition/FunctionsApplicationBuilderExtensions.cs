using Credentials.Functions.Hosting.Pipeline;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Credentials.Functions.Hosting.Composition;

/// <summary>What only the real Functions worker needs on top of <see cref="CredentialsServiceCollectionExtensions.AddCredentialsService"/>.</summary>
internal static class FunctionsApplicationBuilderExtensions
{
    public static FunctionsApplicationBuilder AddCredentialsFunctionsApp(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseMiddleware<FunctionsHttpMiddleware>();
        builder.Services.AddCredentialsService(builder.Configuration);
        builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
        return builder;
    }
}
