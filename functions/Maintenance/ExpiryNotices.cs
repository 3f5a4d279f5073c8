using Credentials.Functions.Connections;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Maintenance;

/// <summary>
/// Raises <c>expiring_soon</c> for a connection whose provider will end its grant within
/// <see cref="MaintenanceOptions.ExpiryNotice"/> (the provider's <see cref="RefreshTokenLifetime"/>: an absolute
/// lifetime, or an idle one that failed refreshes let run down). Once per expiry: the date announced is kept on the
/// record, written conditionally together with the event's outbox row, so a second lap, or a second instance, finds it
/// announced. A later expiry (a reconnect, a refresh that worked again) is a new window and is announced again.
/// </summary>
public sealed partial class ExpiryNotices(
    ConnectionStore store, ProviderCatalog providers, IOptions<MaintenanceOptions> options, TimeProvider time, ILogger<ExpiryNotices> logger)
{
    /// <summary>Dates round-trip through storage; the same expiry read back may differ by less than this.</summary>
    private static readonly TimeSpan SameExpiry = TimeSpan.FromMinutes(1);

    /// <summary>True when the event was raised now; a conflicting write leaves it to the next lap.</summary>
    public async Task<bool> RaiseIfDueAsync(ConnectionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Status == ConnectionStatus.ReauthorizationRequired || record.ETag is null || providers.Find(record.ProviderId) is not { } provider)
        {
            return false;
        }

        var grantedAt = record.GrantedAt ?? record.CreatedAt;
        var now = time.GetUtcNow();
        if (provider.RefreshTokenLifetime.ExpiryOf(grantedAt, record.LastRefreshSucceededAt ?? grantedAt) is not { } expiry
            || expiry.At - now > options.Value.ExpiryNotice
            || (record.ExpiryNoticeFor is { } announced && (announced - expiry.At).Duration() < SameExpiry))
        {
            return false;
        }

        var written = await store.ReplaceAsync(record with { ExpiryNoticeFor = expiry.At },
            ConnectionStatusEvent.ExpiringSoonOf(record, expiry.At, expiry.Kind, now), cancellationToken);
        if (written.Succeeded)
        {
            var days = (int)Math.Ceiling((expiry.At - now).TotalDays);
            LogExpiringSoon(logger, record.ProviderId, expiry.Kind, days);
        }

        return written.Succeeded;
    }

    [LoggerMessage(EventId = 8200, Level = LogLevel.Information, Message = "A {ProviderId} connection's grant ends in {Days} days ({Lifetime}): expiring_soon raised")]
    private static partial void LogExpiringSoon(ILogger logger, string providerId, string lifetime, int days);
}
