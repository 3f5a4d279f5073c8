using Microsoft.Extensions.Options;

namespace Credentials.Functions.Providers;

/// <summary>The configured providers with presets applied (the options validator has already refused bad ones).</summary>
public sealed class ProviderCatalog
{
    private readonly Dictionary<string, ProviderDefinition> _providers;

    public ProviderCatalog(IOptions<ProvidersOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        _providers = options.Value.Providers
            .Select(pair => ProviderDefinitionBuilder.TryBuild(pair.Key, pair.Value, failures))
            .OfType<ProviderDefinition>()
            .ToDictionary(definition => definition.Id, StringComparer.Ordinal);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(ProvidersOptions.SectionName, typeof(ProvidersOptions), failures);
        }
    }

    public IReadOnlyCollection<ProviderDefinition> All => _providers.Values;

    public ProviderDefinition? Find(string providerId) => _providers.GetValueOrDefault(providerId);
}
