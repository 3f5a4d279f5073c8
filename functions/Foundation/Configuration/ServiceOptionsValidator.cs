using Microsoft.Extensions.Options;

namespace Credentials.Functions.Foundation.Configuration;

internal sealed class ServiceOptionsValidator : IValidateOptions<ServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceOptions options)
    {
        var setting = SettingName.Of(ServiceOptions.SectionName, nameof(ServiceOptions.PublicBaseUrl));
        if (options.PublicBaseUrl is null)
        {
            return ValidateOptionsResult.Fail($"{setting} is required: the absolute URL at which callers and OAuth providers reach this app.");
        }

        if (!WebUrls.IsSecureOrLoopback(options.PublicBaseUrl))
        {
            return ValidateOptionsResult.Fail($"{setting} must be an absolute https URL (http only on a loopback host, for local runs): " +
                "OAuth codes and completion codes travel through it.");
        }

        return ValidateOptionsResult.Success;
    }
}
