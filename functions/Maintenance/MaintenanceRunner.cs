using System.Diagnostics;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Events;
using Credentials.Functions.Foundation;
using Credentials.Functions.OAuthConnect;
using Credentials.Functions.Providers;
using Credentials.Functions.Refresh;
using Credentials.Functions.SecretConnect;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Maintenance;

/// <summary>
/// The maintenance of connections: <see cref="ProcessAsync"/> maintains one queued work item's rows (what the
/// <c>MaintenanceWork</c> queue trigger runs on every instance); <see cref="RunAsync"/> walks the whole table in this
/// process from the stored cursor, page by page within a time budget (tests and the one-process benchmark). Per connection it refreshes through the <see cref="RefreshEngine"/> when keep-alive or an imminent expiry
/// of a used token calls for it, then re-encrypts records still under an older key, and sends status events left in
/// outbox rows by an instance that could not. Then removes expired OAuth states,
/// discards (and revokes) pending connections their users never completed, and removes old audit days. Safe to run twice at once: the cursor advances conditionally and the engine refreshes once.
/// </summary>
public sealed partial class MaintenanceRunner(
    ConnectionStore store,
    MaintenanceCursor cursor,
    RefreshEngine engine,
    ConnectionReEncryptor reEncryptor,
    ProviderCatalog providers,
    OAuthStateStore states,
    ConnectionCompleter completions,
    SecretValidator secretValidator,
    StatusEventDispatcher statusEvents,
    ExpiryNotices expiryNotices,
    AuditLog audit,
    MaintenanceMetrics metrics,
    IOptions<MaintenanceOptions> options,
    TimeProvider time,
    ILogger<MaintenanceRunner> logger)
{
    public const string Trigger = "maintenance";
    private static readonly TimeSpan DefaultKeepAlive = TimeSpan.FromHours(24);

    /// <summary>How long a pending import is left to the request that stored it before the walk proves it.</summary>
    private static readonly TimeSpan ImportLeftBehindAfter = TimeSpan.FromMinutes(1);

    public async Task<MaintenanceReport> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var report = new MaintenanceReport();
        var started = Stopwatch.StartNew();
        var correlationId = "maintenance-" + Guid.NewGuid().ToString("N")[..12];
        var position = await cursor.ReadAsync(cancellationToken);
        var unanswered = new UnansweredProbes();
        do
        {
            var pageStarted = Stopwatch.GetTimestamp();
            var page = await store.ScanAsync(settings.PageSize, position.ContinuationToken, cancellationToken);
            await Parallel.ForEachAsync(page.Items, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
                async (record, _) => await MaintainAsync(record, report, unanswered, correlationId));
            report.StatusEventsResent += await statusEvents.DispatchStoredAsync(page.UnsentEvents, cancellationToken);
            report.Pages++;

            var advanced = await cursor.AdvanceAsync(position, page.ContinuationToken, time.GetUtcNow(), cancellationToken);
            if (advanced is null)
            {
                report.YieldedToOtherRun = true;
                break;
            }

            position = advanced;
            report.LapCompleted = page.ContinuationToken is null;
            if (!report.LapCompleted && PauseAfter(Stopwatch.GetElapsedTime(pageStarted), page.Items.Count, settings.SlowStoragePerConnection) is { } pause)
            {
                report.StoragePauses++;
                LogStorageSlow(logger, (long)pause.TotalMilliseconds);
                await Task.Delay(pause, time, cancellationToken);
            }
        }
        while (!report.LapCompleted && started.Elapsed < settings.TimeBudget && !cancellationToken.IsCancellationRequested);

        await CleanUpAsync(report, cancellationToken);
        report.Duration = started.Elapsed;
        metrics.Record(report);
        LogSummary(logger, report.Scanned, report.Refreshed, report.Failed, report.MarkedForReauthorization, report.ReEncrypted, report.Pages,
            report.LapCompleted, report.YieldedToOtherRun, report.ExpiredStatesDeleted, report.ExpiredPendingDiscarded, report.AuditRowsDeleted, report.Duration.TotalMilliseconds);
        return report;
    }

    /// <summary>
    /// One queued work item: its rows read page by page, each connection maintained, left-behind status events sent.
    /// Throws when storage fails, so that the host retries the item (and poisons it after its last attempt).
    /// </summary>
    public async Task<MaintenanceReport> ProcessAsync(MaintenanceWorkItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var settings = options.Value;
        var report = new MaintenanceReport();
        var started = Stopwatch.StartNew();
        var correlationId = "maintenance-" + Guid.NewGuid().ToString("N")[..12];
        var unanswered = new UnansweredProbes();
        await foreach (var page in store.ScanRangeAsync(item.First, item.Last, settings.PageSize, cancellationToken))
        {
            await Parallel.ForEachAsync(page.Items, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
                async (record, _) => await MaintainAsync(record, report, unanswered, correlationId));
            report.StatusEventsResent += await statusEvents.DispatchStoredAsync(page.UnsentEvents, cancellationToken);
            report.Pages++;
        }

        report.Duration = started.Elapsed;
        metrics.RecordWork(report);
        LogItemProcessed(logger, report.Scanned, report.Refreshed, report.Failed, report.Pages, report.Duration.TotalMilliseconds);
        return report;
    }

    /// <summary>Removes expired OAuth states, discards pending connections nobody completed, deletes audit days past retention.</summary>
    public async Task CleanUpAsync(MaintenanceReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var now = time.GetUtcNow();
        report.ExpiredStatesDeleted = await states.DeleteExpiredAsync(now, cancellationToken);
        report.ExpiredPendingDiscarded = await completions.DiscardExpiredAsync(cancellationToken);
        report.AuditRowsDeleted = await audit.DeleteDaysBeforeAsync(DateOnly.FromDateTime((now - options.Value.AuditRetention).UtcDateTime), cancellationToken);
    }

    private async Task MaintainAsync(ConnectionRecord record, MaintenanceReport report, UnansweredProbes unanswered, string correlationId)
    {
        report.CountScanned();
        try
        {
            var current = record;
            if (record.Kind != CredentialKind.OAuth)
            {
                // A submitted secret is never refreshed: it is checked with the provider's probe where one is configured.
                switch (await secretValidator.ValidateIfDueAsync(record, unanswered, correlationId, CancellationToken.None))
                {
                    case SecretCheck.Rejected:
                        report.CountMarkedForReauthorization();
                        return;
                    case SecretCheck.Unanswered:
                        report.CountFailed();
                        break;
                    case SecretCheck.Deferred:
                        report.CountDeferred();
                        break;
                    case SecretCheck.Valid:
                        return;
                }
            }
            else if (record.Status != ConnectionStatus.ReauthorizationRequired && RefreshDemandFor(record) is { } demand)
            {
                var result = await engine.RefreshAsync(demand with { CorrelationId = correlationId }, CancellationToken.None);
                switch (result)
                {
                    case { Value.Refreshed: true }:
                        report.CountRefreshed();
                        break;
                    case { Failure.Reason: TokenFailureReason.ReauthorizationRequired }:
                        report.CountMarkedForReauthorization();
                        break;
                    case { Failure.Reason: TokenFailureReason.NotFound }:
                        return;
                    case { Failure.Reason: TokenFailureReason.ProviderRateLimited }:
                        report.CountDeferred();
                        break;
                    case { Succeeded: false }:
                        report.CountFailed();
                        break;
                }

                // A failed refresh still leaves the record as stored (cooling down, marked, released): re-encrypt that one.
                current = result.Succeeded ? result.Value.Record : result.Failure.Record ?? record;
            }

            if (await reEncryptor.ReEncryptIfStaleAsync(current, CancellationToken.None) == ReEncryptionOutcome.ReEncrypted)
            {
                report.CountReEncrypted();
            }
            else if (await expiryNotices.RaiseIfDueAsync(current, CancellationToken.None))
            {
                report.CountExpiringSoon();
            }
        }
#pragma warning disable CA1031 // One connection's failure of any kind is counted and logged; it must not stop the walk over the others.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            report.CountFailed();
            LogConnectionFailed(logger, record.ProviderId, exception.GetType().Name);
        }
    }

    /// <summary>
    /// How long to leave storage alone after a page that took <paramref name="took"/> for <paramref name="connections"/>
    /// connections: as long again when that is slower than <paramref name="slowPerConnection"/> each (at most a minute),
    /// otherwise not at all.
    /// </summary>
    internal static TimeSpan? PauseAfter(TimeSpan took, int connections, TimeSpan slowPerConnection) =>
        took > slowPerConnection * Math.Max(1, connections) ? (took < TimeSpan.FromMinutes(1) ? took : TimeSpan.FromMinutes(1)) : null;

    /// <summary>
    /// Keep-alive (no successful refresh within the provider's interval), a used token about to expire, or a failing
    /// connection whose cooldown is over. "Unless a newer refresh exists than the one seen" makes a concurrent run's
    /// refresh count, so two runs never refresh one connection twice.
    /// </summary>
    private RefreshDemand? RefreshDemandFor(ConnectionRecord record)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        var keepAlive = providers.Find(record.ProviderId) is { } provider
            ? provider.RefreshTokenLifetime.KeepAlive(provider.KeepAliveInterval)
            : DefaultKeepAlive;
        var lastSuccess = record.LastRefreshSucceededAt ?? record.CreatedAt;
        var keepAliveDue = now - lastSuccess >= keepAlive;
        var expiringAndUsed = record.AccessTokenExpiresAt is { } expiresAt && expiresAt - now < settings.ExpiringWithin
            && record.LastUsedAt is { } used && now - used <= settings.RecentlyUsedWithin;
        var retryDue = record.FailingSince is not null && (record.NextRefreshAllowedAt ?? now) <= now;
        // An import whose proof did not finish (a crash, a provider outage): proving it makes it active.
        var importLeftBehind = record.Status == ConnectionStatus.Importing && now - record.UpdatedAt >= ImportLeftBehindAfter
            && (record.NextRefreshAllowedAt ?? now) <= now;
        if (!keepAliveDue && !expiringAndUsed && !retryDue && !importLeftBehind)
        {
            return null;
        }

        return new RefreshDemand(ConnectionKey.Of(record), expiringAndUsed ? settings.ExpiringWithin : TimeSpan.Zero,
            lastSuccess.AddTicks(1), Trigger, string.Empty, KnownRecord: record, Deferrable: true);
    }

    [LoggerMessage(EventId = 8000, Level = LogLevel.Information,
        Message = "Maintenance run: scanned {Scanned}, refreshed {Refreshed}, failed {Failed}, reauthorization required {MarkedForReauthorization}, " +
                  "re-encrypted {ReEncrypted}, pages {Pages}, lap completed {LapCompleted}, yielded {Yielded}, expired states deleted {StatesDeleted}, " +
                  "expired pending connections discarded {PendingDiscarded}, audit rows deleted {AuditDeleted}, duration {DurationMs} ms")]
    private static partial void LogSummary(ILogger logger, int scanned, int refreshed, int failed, int markedForReauthorization, int reEncrypted,
        int pages, bool lapCompleted, bool yielded, int statesDeleted, int pendingDiscarded, int auditDeleted, double durationMs);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Storage is slow: the maintenance walk pauses {PauseMs} ms before its next page")]
    private static partial void LogStorageSlow(ILogger logger, long pauseMs);

    [LoggerMessage(EventId = 8101, Level = LogLevel.Debug,
        Message = "Maintenance work item: scanned {Scanned}, refreshed {Refreshed}, failed {Failed}, pages {Pages}, duration {DurationMs} ms")]
    private static partial void LogItemProcessed(ILogger logger, int scanned, int refreshed, int failed, int pages, double durationMs);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Maintenance of a {ProviderId} connection failed ({Failure}); the next lap retries")]
    private static partial void LogConnectionFailed(ILogger logger, string providerId, string failure);
}
