using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl;

internal sealed class CallerRateLimitOptionsValidator : IValidateOptions<CallerRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, CallerRateLimitOptions options)
    {
        var failures = new SettingFailures(CallerRateLimitOptions.SectionName);
        failures.Require(options.PermitsPerSecond is >= 0 and <= 1_000_000, nameof(CallerRateLimitOptions.PermitsPerSecond), "must be 0 (off) to 1000000.");
        failures.Require(options.Burst >= options.PermitsPerSecond / 10 && options.Burst is >= 1 and <= 10_000_000, nameof(CallerRateLimitOptions.Burst),
            "must be 1-10000000 and at least a tenth of PermitsPerSecond.");
        return failures.ToResult();
    }
}
