using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Hosting.Telemetry;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

/// <summary>
/// Hands out a connection's access token: the stored one while it is fresh enough, otherwise through the refresh
/// engine. The record comes from this instance's recent snapshot (<see cref="ConnectionStore.GetRecentAsync"/>), so a
/// disconnect or a lost grant on another instance takes effect here within the snapshot lifetime (2 s by default).
/// </summary>
public sealed class AccessTokenService(
    ConnectionStore store,
    ConnectionSecrets secrets,
    RefreshEngine engine,
    AccessTokenCache cache,
    AuditLog audit,
    ServiceMetrics metrics,
    IOptions<RefreshOptions> options,
    TimeProvider time)
{
    /// <summary>How stale <c>LastUsedAt</c> may get before a hand-out records it (one small write per interval, not per call).</summary>
    private static readonly TimeSpan UsageRecordInterval = TimeSpan.FromMinutes(15);

    public async Task<Result<IssuedAccessToken, AccessTokenFailure>> GetAsync(AccessTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = await store.GetRecentAsync(request.Connection.UserId, request.Connection.ConnectionId, cancellationToken);
        var now = time.GetUtcNow();
        Result<IssuedAccessToken, AccessTokenFailure> result;
        if (record is null)
        {
            result = new AccessTokenFailure(TokenFailureReason.NotFound);
        }
        else if (record.Status == ConnectionStatus.ReauthorizationRequired)
        {
            result = new AccessTokenFailure(TokenFailureReason.ReauthorizationRequired, null, record.LastErrorCode);
        }
        else if (request.Renew && !(record.LastRefreshSucceededAt >= now - AccessTokenRequest.RenewWindow))
        {
            result = await RefreshAndIssueAsync(request, now - AccessTokenRequest.RenewWindow, cancellationToken);
        }
        else if (TokenFreshness.Satisfies(record, request.MinValidity, now))
        {
            result = await IssueAsync(record, cancellationToken);
        }
        else
        {
            result = await RefreshAndIssueAsync(request, null, cancellationToken);
        }

        if (result.Succeeded && (record?.LastUsedAt is not { } lastUsed || now - lastUsed >= UsageRecordInterval))
        {
            await store.MarkUsedAsync(request.Connection.UserId, request.Connection.ConnectionId, now, cancellationToken);
        }

        metrics.TokenRead(record?.ProviderId ?? "unknown", request.CallerId, OutcomeOf(result));
        await audit.AppendAsync(new AuditEvent(request.CallerId, request.Connection.UserId, request.Connection.ConnectionId, AuditActions.ReadAccessToken,
            result.Succeeded ? "served" : "failed", request.CorrelationId, now,
            AuditReason(result, request.AllowedBecause)), cancellationToken);
        return result;
    }

    /// <summary>Waits for the refresh at most <see cref="RefreshOptions.ReadTimeout"/>; the refresh itself is not cut short.</summary>
    /// <param name="refreshedSince">Refresh unless the last successful refresh is at or after this instant (a renewal).</param>
    private async Task<Result<IssuedAccessToken, AccessTokenFailure>> RefreshAndIssueAsync(AccessTokenRequest request, DateTimeOffset? refreshedSince,
        CancellationToken cancellationToken)
    {
        using var budget = new CancellationTokenSource(options.Value.ReadTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        RefreshResult refreshed;
        try
        {
            refreshed = await engine.RefreshAsync(
                new RefreshDemand(request.Connection, request.MinValidity, refreshedSince, request.CallerId, request.CorrelationId), linked.Token);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new AccessTokenFailure(TokenFailureReason.Busy, TimeSpan.FromSeconds(2), "refresh_in_progress");
        }

        return refreshed.Failure is { } failure
            ? new AccessTokenFailure(failure, refreshed.RetryAfter, refreshed.ErrorCode)
            : await IssueAsync(refreshed.Record!, cancellationToken);
    }

    private static string OutcomeOf(Result<IssuedAccessToken, AccessTokenFailure> result) => result.Failure?.Reason switch
    {
        null => "served",
        TokenFailureReason.NotFound => "not_found",
        TokenFailureReason.ReauthorizationRequired => "reauthorization_required",
        TokenFailureReason.ProviderUnavailable => "provider_unavailable",
        TokenFailureReason.ProviderRejected => "provider_rejected",
        TokenFailureReason.Busy => "busy",
        _ => "failed",
    };

    /// <summary>Why it failed, if it did, and which authorization decision let the caller ask (e.g. <c>authorized:collection_granted_cached</c>).</summary>
    private static string? AuditReason(Result<IssuedAccessToken, AccessTokenFailure> result, string? allowedBecause)
    {
        var failure = result.Failure?.Reason.ToString();
        var authorized = allowedBecause is null ? null : "authorized:" + allowedBecause;
        return failure is null ? authorized : authorized is null ? failure : $"{failure} {authorized}";
    }

    private async Task<Result<IssuedAccessToken, AccessTokenFailure>> IssueAsync(ConnectionRecord record, CancellationToken cancellationToken)
    {
        var accessToken = cache.Find(record);
        if (accessToken is null)
        {
            accessToken = await secrets.ReadAccessTokenAsync(record, cancellationToken);
            if (accessToken is null)
            {
                return new AccessTokenFailure(TokenFailureReason.Busy, TimeSpan.FromSeconds(1));
            }

            cache.Remember(record, accessToken);
        }

        return new IssuedAccessToken(accessToken, record.AccessTokenType ?? "Bearer", record.AccessTokenExpiresAt!.Value, record.Scopes, record.ProviderId);
    }
}
