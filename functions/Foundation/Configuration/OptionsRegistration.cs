using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Foundation.Configuration;

internal static class OptionsRegistration
{
    /// <summary>Binds a settings section and checks it with its validator when the host starts, naming every bad setting.</summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services;
    }

    /// <summary>The service-wide settings (`Service:*`) and the clock, unless a host brought its own.</summary>
    public static IServiceCollection AddServiceConfiguration(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddValidatedOptions<ServiceOptions, ServiceOptionsValidator>(configuration, ServiceOptions.SectionName);
    }
}
