using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

internal sealed class RefreshOptionsValidator : IValidateOptions<RefreshOptions>
{
    private const string Section = RefreshOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, RefreshOptions options)
    {
        var failures = new SettingFailures(Section);
        failures.Require(options.DefaultMinValidity >= TimeSpan.Zero && options.DefaultMinValidity <= AccessTokenRequest.MaxMinValidity,
            nameof(RefreshOptions.DefaultMinValidity), "must be from 00:00:00 to 01:00:00.");
        failures.Require(options.LeaseDuration >= TimeSpan.FromSeconds(5) && options.LeaseDuration <= TimeSpan.FromMinutes(5),
            nameof(RefreshOptions.LeaseDuration), "must be from 00:00:05 to 00:05:00 (longer than one provider call).");
        failures.Require(options.AbandonedLeaseTimeout >= TimeSpan.FromSeconds(10) && options.AbandonedLeaseTimeout >= 2 * options.LeaseDuration
            && options.AbandonedLeaseTimeout <= TimeSpan.FromHours(1),
            nameof(RefreshOptions.AbandonedLeaseTimeout), "must be from 00:00:10 to 01:00:00 and at least twice LeaseDuration (a live holder renews every third of it).");
        failures.Require(options.MaxProviderRetries is >= 0 and <= 5, nameof(RefreshOptions.MaxProviderRetries), "must be 0-5.");
        failures.Require(options.ProviderRetryDelay > TimeSpan.Zero && options.ProviderRetryDelay <= TimeSpan.FromSeconds(5),
            nameof(RefreshOptions.ProviderRetryDelay), "must be positive and at most 00:00:05.");
        failures.Require(options.FirstCooldown > TimeSpan.Zero && options.FirstCooldown <= options.MaxCooldown,
            nameof(RefreshOptions.FirstCooldown), "must be positive and at most MaxCooldown.");
        failures.Require(options.MaxCooldown <= TimeSpan.FromDays(1), nameof(RefreshOptions.MaxCooldown), "must be at most 1.00:00:00.");
        failures.Require(options.FailuresBeforeRefreshFailing is >= 1 and <= 100, nameof(RefreshOptions.FailuresBeforeRefreshFailing), "must be 1-100.");
        failures.Require(options.GiveUpAfter >= TimeSpan.FromHours(1), nameof(RefreshOptions.GiveUpAfter), "must be at least 01:00:00.");
        failures.Require(options.ReadTimeout >= TimeSpan.FromSeconds(1) && options.ReadTimeout <= TimeSpan.FromMinutes(1),
            nameof(RefreshOptions.ReadTimeout), "must be from 00:00:01 to 00:01:00.");
        failures.Require(options.MemoryCacheEntries is >= 0 and <= 1_000_000, nameof(RefreshOptions.MemoryCacheEntries), "must be 0-1000000.");
        return failures.ToResult();
    }
}
