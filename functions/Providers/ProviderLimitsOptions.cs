using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Providers;

/// <summary>The provider rate-limit governor (<see cref="ProviderRateGovernor"/>, docs/providers.md#rate-limits).</summary>
public sealed class ProviderLimitsOptions
{
    public const string SectionName = "ProviderLimits";

    /// <summary>
    /// How old this instance's copy of what other instances learned (a provider's block, its window) may get before it is
    /// read again from the shared row: the bound on how late an instance honours a limit another one learned.
    /// </summary>
    public TimeSpan ShareInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Part of each window's limit never spent, for requests in flight when the limit was learned (at least one request).</summary>
    public int ReservePercent { get; set; } = 10;

    /// <summary>Part of each window's limit maintenance refreshes leave to callers: keep-alive waits for the next window instead.</summary>
    public int ReservedForCallersPercent { get; set; } = 50;
}

internal sealed class ProviderLimitsOptionsValidator : IValidateOptions<ProviderLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, ProviderLimitsOptions options)
    {
        var failures = new SettingFailures(ProviderLimitsOptions.SectionName);
        failures.Require(options.ShareInterval >= TimeSpan.FromMilliseconds(100) && options.ShareInterval <= TimeSpan.FromMinutes(1),
            nameof(ProviderLimitsOptions.ShareInterval), "must be from 00:00:00.1 to 00:01:00.");
        failures.Require(options.ReservePercent is >= 0 and <= 50, nameof(ProviderLimitsOptions.ReservePercent), "must be 0-50.");
        failures.Require(options.ReservedForCallersPercent is >= 0 and <= 90, nameof(ProviderLimitsOptions.ReservedForCallersPercent), "must be 0-90.");
        return failures.ToResult();
    }
}
