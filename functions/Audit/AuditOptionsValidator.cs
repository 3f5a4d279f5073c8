using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Audit;

internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var failures = new List<string>();
        if (options.QueueCapacity is < 100 or > 1_000_000)
        {
            failures.Add($"{SettingName.Of(AuditOptions.SectionName, nameof(AuditOptions.QueueCapacity))} must be from 100 to 1000000.");
        }

        if (options.FlushInterval < TimeSpan.FromMilliseconds(10) || options.FlushInterval > TimeSpan.FromSeconds(10))
        {
            failures.Add($"{SettingName.Of(AuditOptions.SectionName, nameof(AuditOptions.FlushInterval))} must be from 00:00:00.010 to 00:00:10.");
        }

        if (options.RollupWindow < TimeSpan.FromSeconds(1) || options.RollupWindow > TimeSpan.FromHours(1))
        {
            failures.Add($"{SettingName.Of(AuditOptions.SectionName, nameof(AuditOptions.RollupWindow))} must be from 00:00:01 to 01:00:00.");
        }

        if (options.RollupCapacity is < 100 or > 1_000_000)
        {
            failures.Add($"{SettingName.Of(AuditOptions.SectionName, nameof(AuditOptions.RollupCapacity))} must be from 100 to 1000000.");
        }

        if (options.DecisionRollupCapacity is < 100 or > 1_000_000)
        {
            failures.Add($"{SettingName.Of(AuditOptions.SectionName, nameof(AuditOptions.DecisionRollupCapacity))} must be from 100 to 1000000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
