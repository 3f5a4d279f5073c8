using System.Security.Cryptography;
using System.Text;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Providers;
using Credentials.Functions.Refresh;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Import;

/// <summary>One import as it goes through its steps: who asked, for which connection, and the fingerprint of the handed-over token.</summary>
public sealed record ImportAttempt(string CallerId, ConnectionKey Connection, string CorrelationId, string Fingerprint, string ProviderId);

/// <summary>
/// Proves a stored, pending import with the refresh engine (the same lease, provider retries and persist-until-stored
/// as every refresh, docs/refresh.md): its successful write is the activation. A proof still busy after
/// <see cref="RefreshOptions.ReadTimeout"/> goes on in the background and is answered as pending; a refused grant is
/// cleaned up (the row removed, or the connection it replaced put back).
/// </summary>
public sealed partial class ImportProof(
    RefreshEngine engine,
    ConnectionStore store,
    ConnectionSecrets secrets,
    GrantRevoker revoker,
    AuditLog audit,
    IOptions<RefreshOptions> options,
    TimeProvider time,
    ILogger<ImportProof> logger)
{
    private static readonly TimeSpan PendingRetryAfter = TimeSpan.FromSeconds(2);

    /// <param name="replaced">The connection this import replaced (put back if the grant is refused, revoked once it is proved); null if none.</param>
    public async Task<Result<ImportedGrant, ImportFailure>> ProveAsync(ImportAttempt attempt, ConnectionRecord pending, ConnectionRecord? replaced,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var demand = new RefreshDemand(attempt.Connection, TimeSpan.Zero, null, attempt.CallerId, attempt.CorrelationId, KnownRecord: pending);
        Result<UsableRecord, RefreshFailure> result;
        using (var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            budget.CancelAfter(options.Value.ReadTimeout);
            try
            {
                result = await engine.RefreshAsync(demand, budget.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The flight is not tied to this request: it goes on, stores its outcome, and the same import sent again sees it.
                return await PendingAsync(attempt, pending, "busy", cancellationToken);
            }
        }

        var stored = result.Succeeded ? result.Value.Record : result.Failure.Record;
        if (stored is { } record && !IsThisImport(record, attempt))
        {
            return await FailAsync(attempt, new ImportFailure(ImportFailureReason.ConnectionActive,
                "The connection was replaced while this import was being proved (a connect or another import landed); that one is kept."),
                "superseded", cancellationToken);
        }

        if (result.Succeeded)
        {
            if (result.Value.Record is { Status: not ConnectionStatus.Importing } proved)
            {
                await RevokeReplacedAsync(replaced, proved, cancellationToken);
                var outcome = replaced is null ? "imported" : "imported_replacing";
                LogImported(logger, attempt.ProviderId, outcome);
                await AuditAsync(attempt, outcome, attempt.ProviderId, cancellationToken);
                return new ImportedGrant(proved, Replayed: false);
            }

            return await PendingAsync(attempt, result.Value.Record, "busy", cancellationToken);
        }

        var failure = result.Failure;
        switch (failure.Reason)
        {
            case TokenFailureReason.ReauthorizationRequired:
                return await RefusedAsync(attempt, failure.Record, replaced, cancellationToken);
            case TokenFailureReason.NotFound:
                return await FailAsync(attempt, new ImportFailure(ImportFailureReason.ConnectionActive,
                    "The connection was deleted while this import was being proved; send the import again to store it anew."), "deleted", cancellationToken);
            case TokenFailureReason.ProviderUnavailable or TokenFailureReason.ProviderRateLimited:
                return await FailAsync(attempt, new ImportFailure(ImportFailureReason.ProviderUnavailable,
                    $"The provider did not prove the grant yet ({failure.ErrorCode ?? "unavailable"}). The grant is stored, encrypted, as a pending " +
                    "connection (status importing), not usable yet: send the same import again after Retry-After, or the maintenance walk finishes it.",
                    failure.RetryAfter ?? TimeSpan.FromSeconds(30)), "pending", cancellationToken);
            case TokenFailureReason.ProviderRejected:
                return await FailAsync(attempt, new ImportFailure(ImportFailureReason.ProviderRejected,
                    $"The provider refused the proving refresh ({failure.ErrorCode}), usually this service's client configuration. The grant stays stored " +
                    "as a pending connection (status importing); send the same import again once the provider's configuration is fixed.",
                    failure.RetryAfter), "pending", cancellationToken);
            default:
                return await PendingAsync(attempt, failure.Record ?? pending, "busy", cancellationToken);
        }
    }

    /// <summary>
    /// The provider refused the grant: what the import stored is removed, or the connection it replaced is put back, each
    /// only if the row is still this import's refused one. Nothing of the handed-over grant is kept.
    /// </summary>
    public async Task<Result<ImportedGrant, ImportFailure>> RefusedAsync(ImportAttempt attempt, ConnectionRecord? refused, ConnectionRecord? replaced,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        if (refused is { Status: ConnectionStatus.ReauthorizationRequired, ETag: { } etag } && IsThisImport(refused, attempt))
        {
            var cleaned = replaced is null
                ? await store.DeleteAsync(attempt.Connection, etag, null, cancellationToken)
                : (await store.ReplaceAsync(replaced with { ETag = etag }, null, cancellationToken)).Status;
            LogCleanedUp(logger, attempt.ProviderId, replaced is null ? "removed" : "replaced connection put back", cleaned);
        }

        return await FailAsync(attempt, new ImportFailure(ImportFailureReason.GrantRejected,
            "The provider refused the refresh token (invalid_grant): it is revoked, expired, or was already used by a refresh. Nothing of it was kept" +
            (replaced is null ? "." : "; the connection it was to replace is as it was.")), "proof_failed", cancellationToken);
    }

    /// <summary>Whether the row holds this import's handed-over token (its fingerprint, compared in constant time).</summary>
    internal static bool IsThisImport(ConnectionRecord record, ImportAttempt attempt) =>
        record.ImportFingerprint is { } stored && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(attempt.Fingerprint));

    private async Task<Result<ImportedGrant, ImportFailure>> PendingAsync(ImportAttempt attempt, ConnectionRecord pending, string reason,
        CancellationToken cancellationToken)
    {
        LogStillProving(logger, attempt.ProviderId);
        await AuditAsync(attempt, "pending", reason, cancellationToken);
        return new ImportedGrant(pending, Replayed: false, RetryAfter: PendingRetryAfter);
    }

    private async Task<Result<ImportedGrant, ImportFailure>> FailAsync(ImportAttempt attempt, ImportFailure failure, string outcome, CancellationToken cancellationToken)
    {
        LogNotImported(logger, attempt.ProviderId, failure.Reason, outcome);
        await AuditAsync(attempt, outcome, failure.Reason.ToString(), cancellationToken);
        return failure;
    }

    /// <summary>A replaced connection's refresh token is revoked once the import is proved, where that cannot end the imported grant too.</summary>
    private async Task RevokeReplacedAsync(ConnectionRecord? replaced, ConnectionRecord proved, CancellationToken cancellationToken)
    {
        if (replaced is null)
        {
            return;
        }

        var old = await secrets.ReadRefreshTokenAsync(replaced, cancellationToken);
        var current = await secrets.ReadRefreshTokenAsync(proved, cancellationToken);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(old), Encoding.UTF8.GetBytes(current)))
        {
            await revoker.RevokeDroppedAsync(replaced.ProviderId, old, cancellationToken);
        }
    }

    private Task AuditAsync(ImportAttempt attempt, string outcome, string? reason, CancellationToken cancellationToken) =>
        audit.AppendAsync(new AuditEvent(attempt.CallerId, attempt.Connection.UserId, attempt.Connection.ConnectionId, AuditActions.Import, outcome,
            attempt.CorrelationId, time.GetUtcNow(), reason), cancellationToken);

    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Grant of provider {ProviderId} imported ({Outcome}): proved by its refresh, which stored it active")]
    private static partial void LogImported(ILogger logger, string providerId, string outcome);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Warning, Message = "Grant import of provider {ProviderId} is still being proved; answered as pending, the proof goes on")]
    private static partial void LogStillProving(ILogger logger, string providerId);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Information, Message = "Grant import of provider {ProviderId} refused by the provider; the pending row: {Action} ({Status})")]
    private static partial void LogCleanedUp(ILogger logger, string providerId, string action, WriteStatus status);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Warning, Message = "Grant import of provider {ProviderId} not completed: {Reason} ({Outcome})")]
    private static partial void LogNotImported(ILogger logger, string providerId, ImportFailureReason reason, string outcome);
}
