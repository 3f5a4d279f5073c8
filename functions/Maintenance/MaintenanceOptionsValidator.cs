using System.Text.RegularExpressions;
using Credentials.Functions.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Maintenance;

internal sealed partial class MaintenanceOptionsValidator : IValidateOptions<MaintenanceOptions>
{
    private const string Section = MaintenanceOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, MaintenanceOptions options)
    {
        var failures = new List<string>();
        void Require(bool valid, string key, string rule)
        {
            if (!valid)
            {
                failures.Add($"{SettingName.Of(Section, key)} {rule}");
            }
        }

        Require(SixFieldCron().IsMatch(options.Schedule ?? string.Empty), nameof(MaintenanceOptions.Schedule),
            "must be a six-field cron expression (second minute hour day month weekday), e.g. 0 */15 * * * *.");
        Require(options.PageSize is >= 1 and <= ConnectionsPageLimit, nameof(MaintenanceOptions.PageSize), $"must be 1-{ConnectionsPageLimit}.");
        Require(options.Concurrency is >= 1 and <= 64, nameof(MaintenanceOptions.Concurrency), "must be 1-64.");
        Require(options.TimeBudget > TimeSpan.Zero && options.TimeBudget <= TimeSpan.FromMinutes(20), nameof(MaintenanceOptions.TimeBudget),
            "must be positive and at most 00:20:00 (below the Functions timeout).");
        Require(options.ExpiringWithin >= TimeSpan.Zero && options.ExpiringWithin <= TimeSpan.FromHours(1), nameof(MaintenanceOptions.ExpiringWithin),
            "must be from 00:00:00 to 01:00:00.");
        Require(options.RecentlyUsedWithin >= TimeSpan.Zero, nameof(MaintenanceOptions.RecentlyUsedWithin), "must not be negative.");
        Require(options.AuditRetention >= TimeSpan.FromDays(1), nameof(MaintenanceOptions.AuditRetention), "must be at least 1.00:00:00.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private const int ConnectionsPageLimit = Connections.ConnectionStore.MaxPageSize;

    [GeneratedRegex(@"^\s*\S+(\s+\S+){5}\s*$")]
    private static partial Regex SixFieldCron();
}
