using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Foundation.Outbound;

/// <summary>The private-network switch is for a service that only its own machine reaches: never a deployment.</summary>
internal sealed class OutboundOptionsValidator(IOptions<ServiceOptions> service) : IValidateOptions<OutboundOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboundOptions options)
    {
        if (!options.AllowPrivateNetworkTargets)
        {
            return ValidateOptionsResult.Success;
        }

        Uri? publicBaseUrl;
        try
        {
            publicBaseUrl = service.Value.PublicBaseUrl;
        }
        catch (OptionsValidationException)
        {
            // A missing or malformed Service:PublicBaseUrl fails start-up on its own, naming that setting.
            return ValidateOptionsResult.Skip;
        }

        var failures = new SettingFailures(OutboundOptions.SectionName);
        failures.Require(publicBaseUrl is { IsAbsoluteUri: true, IsLoopback: true }, nameof(OutboundOptions.AllowPrivateNetworkTargets),
            "may be true only for local development and tests (Service:PublicBaseUrl on a loopback host): it lets provider calls reach this network.");
        return failures.ToResult();
    }
}
