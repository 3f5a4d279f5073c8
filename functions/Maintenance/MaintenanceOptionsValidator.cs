using System.Text.RegularExpressions;
using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Maintenance;

internal sealed partial class MaintenanceOptionsValidator : IValidateOptions<MaintenanceOptions>
{
    private const string Section = MaintenanceOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, MaintenanceOptions options)
    {
        var failures = new SettingFailures(Section);
        failures.Require(SixFieldCron().IsMatch(options.Schedule ?? string.Empty), nameof(MaintenanceOptions.Schedule),
            "must be a six-field cron expression (second minute hour day month weekday), e.g. 0 */15 * * * *.");
        failures.Require(options.PageSize is >= 1 and <= ConnectionsPageLimit, nameof(MaintenanceOptions.PageSize), $"must be 1-{ConnectionsPageLimit}.");
        failures.Require(options.ItemSize is >= 1 and <= 100_000, nameof(MaintenanceOptions.ItemSize), "must be 1-100000.");
        failures.Require(options.QueueDepth is >= 1 and <= 1_000_000, nameof(MaintenanceOptions.QueueDepth), "must be 1-1000000.");
        failures.Require(options.SlowStoragePerConnection > TimeSpan.Zero && options.SlowStoragePerConnection <= TimeSpan.FromMinutes(1),
            nameof(MaintenanceOptions.SlowStoragePerConnection), "must be positive and at most 00:01:00.");
        failures.Require(options.Concurrency is >= 1 and <= 64, nameof(MaintenanceOptions.Concurrency), "must be 1-64.");
        failures.Require(options.TimeBudget > TimeSpan.Zero && options.TimeBudget <= TimeSpan.FromMinutes(20), nameof(MaintenanceOptions.TimeBudget),
            "must be positive and at most 00:20:00 (below the Functions timeout).");
        failures.Require(options.ExpiringWithin >= TimeSpan.Zero && options.ExpiringWithin <= TimeSpan.FromHours(1), nameof(MaintenanceOptions.ExpiringWithin),
            "must be from 00:00:00 to 01:00:00.");
        failures.Require(options.RecentlyUsedWithin >= TimeSpan.Zero, nameof(MaintenanceOptions.RecentlyUsedWithin), "must not be negative.");
        failures.Require(options.ExpiryNotice >= TimeSpan.FromHours(1) && options.ExpiryNotice <= TimeSpan.FromDays(90), nameof(MaintenanceOptions.ExpiryNotice),
            "must be from 01:00:00 to 90.00:00:00.");
        failures.Require(options.AuditRetention >= TimeSpan.FromDays(1), nameof(MaintenanceOptions.AuditRetention), "must be at least 1.00:00:00.");
        return failures.ToResult();
    }

    private const int ConnectionsPageLimit = Connections.ConnectionStore.MaxPageSize;

    [GeneratedRegex(@"^\s*\S+(\s+\S+){5}\s*$")]
    private static partial Regex SixFieldCron();
}
