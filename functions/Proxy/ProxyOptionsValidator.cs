using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Proxy;

internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var failures = new SettingFailures(ProxyOptions.SectionName);
        failures.Require(options.MaxRequestBytes is >= 0 and <= 100L * 1024 * 1024, nameof(ProxyOptions.MaxRequestBytes), "must be 0-104857600 (100 MB).");
        failures.Require(options.MaxResponseBytes is >= 1024 and <= 2L * 1024 * 1024 * 1024, nameof(ProxyOptions.MaxResponseBytes), "must be 1024-2147483648 (2 GB).");
        failures.Require(options.ReplayableBodyBytes >= 0 && options.ReplayableBodyBytes <= options.MaxRequestBytes && options.ReplayableBodyBytes <= 16 * 1024 * 1024,
            nameof(ProxyOptions.ReplayableBodyBytes), "must be 0-16777216 and at most MaxRequestBytes.");
        failures.Require(options.Timeout >= TimeSpan.FromSeconds(1) && options.Timeout <= TimeSpan.FromSeconds(200),
            nameof(ProxyOptions.Timeout), "must be from 00:00:01 to 00:03:20 (under the 230 s front-end limit).");
        return failures.ToResult();
    }
}
