using System.Text.RegularExpressions;
using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Storage;

internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    private const string Section = StorageOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        var hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasConnectionString == options.TableServiceUri is not null)
        {
            failures.Add($"Set exactly one of {SettingName.Of(Section, nameof(StorageOptions.TableServiceUri))} (Azure, managed identity) " +
                $"and {SettingName.Of(Section, nameof(StorageOptions.ConnectionString))} (Azurite).");
        }
        else if (options.TableServiceUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{SettingName.Of(Section, nameof(StorageOptions.TableServiceUri))} must be an absolute https URI.");
        }

        foreach (var (key, table) in new[]
        {
            (nameof(StorageOptions.ConnectionsTable), options.ConnectionsTable),
            (nameof(StorageOptions.AuditTable), options.AuditTable),
            (nameof(StorageOptions.OAuthStatesTable), options.OAuthStatesTable),
            (nameof(StorageOptions.MaintenanceTable), options.MaintenanceTable),
        })
        {
            if (!TableName().IsMatch(table ?? string.Empty))
            {
                failures.Add($"{SettingName.Of(Section, key)} must be 3-63 letters and digits, starting with a letter.");
            }
        }

        if (options.TableServiceUri is not null && options.QueueServiceUri is not { IsAbsoluteUri: true, Scheme: "https" })
        {
            failures.Add($"{SettingName.Of(Section, nameof(StorageOptions.QueueServiceUri))} is required with {nameof(StorageOptions.TableServiceUri)}: " +
                "the https queue endpoint for status events.");
        }

        if (!QueueName().IsMatch(options.StatusEventsQueue ?? string.Empty))
        {
            failures.Add($"{SettingName.Of(Section, nameof(StorageOptions.StatusEventsQueue))} must be 3-63 lower-case letters, digits and single hyphens.");
        }

        if (!QueueName().IsMatch(options.MaintenanceQueue ?? string.Empty) || options.MaintenanceQueue!.Length > 56)
        {
            // The host names the poison queue <name>-poison, which must be a queue name too.
            failures.Add($"{SettingName.Of(Section, nameof(StorageOptions.MaintenanceQueue))} must be 3-56 lower-case letters, digits and single hyphens.");
        }

        if (options.StatusEventRetryInterval < TimeSpan.FromMilliseconds(100) || options.StatusEventRetryInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{SettingName.Of(Section, nameof(StorageOptions.StatusEventRetryInterval))} must be from 00:00:00.1 to 00:10:00.");
        }

        if (options.ConnectionSnapshotLifetime < TimeSpan.Zero || options.ConnectionSnapshotLifetime > TimeSpan.FromSeconds(5))
        {
            failures.Add($"{SettingName.Of(Section, nameof(StorageOptions.ConnectionSnapshotLifetime))} must be from 00:00:00 (read every time) to 00:00:05.");
        }

        if (options.ConnectionSnapshotMaxStaleness < TimeSpan.Zero || options.ConnectionSnapshotMaxStaleness > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{SettingName.Of(Section, nameof(StorageOptions.ConnectionSnapshotMaxStaleness))} must be from 00:00:00 (always wait) to 00:01:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex QueueName();
}
