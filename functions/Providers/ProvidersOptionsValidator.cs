using Microsoft.Extensions.Options;

namespace Credentials.Functions.Providers;

internal sealed class ProvidersOptionsValidator : IValidateOptions<ProvidersOptions>
{
    public ValidateOptionsResult Validate(string? name, ProvidersOptions options)
    {
        var failures = new List<string>();
        foreach (var (id, settings) in options.Providers)
        {
            ProviderDefinitionBuilder.TryBuild(id, settings, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
