using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Refresh;

/// <summary>
/// Hands out a connection's access token: the stored one while it is fresh enough, otherwise through the refresh
/// engine. The record comes from this instance's recent snapshot (<see cref="IConnectionRecords.GetRecentAsync"/>), so a
/// disconnect or a lost grant on another instance takes effect here within the snapshot lifetime (2 s by default).
/// A request for fewer scopes than the grant gets a narrower token (<see cref="ScopeNarrowingPolicy"/>): from this
/// instance's <see cref="NarrowedTokenCache"/>, or from the provider through the same engine, never from the store.
/// </summary>
public sealed partial class AccessTokenService(
    IConnectionRecords store,
    ConnectionSecrets secrets,
    RefreshEngine engine,
    AccessTokenCache cache,
    NarrowedTokenCache narrowedCache,
    ProviderCatalog providers,
    AuditLog audit,
    ServiceMetrics metrics,
    IOptions<RefreshOptions> options,
    TimeProvider time)
{
    /// <summary>How stale <c>LastUsedAt</c> may get before a hand-out records it (one small write per interval, not per call).</summary>
    private static readonly TimeSpan UsageRecordInterval = TimeSpan.FromMinutes(15);

    /// <summary>The validity a stored token keeps when a read stops waiting for its refresh and hands it out instead.</summary>
    private static readonly TimeSpan StillUsable = TimeSpan.FromSeconds(2);

    /// <summary>The least validity a token handed out while its refresh is busy must have.</summary>
    private static readonly TimeSpan UsableAtAll = TimeSpan.FromSeconds(1);

    /// <summary>A shorter wait than this is not worth it: a token closer to its end waits for the refresh as usual.</summary>
    private static readonly TimeSpan MinimumPatience = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan ImportPendingRetryAfter = TimeSpan.FromSeconds(5);

    public async Task<Result<IssuedAccessToken, AccessTokenFailure>> GetAsync(AccessTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = await store.GetRecentAsync(request.Connection, cancellationToken);
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
        else if (record.Status == ConnectionStatus.Importing)
        {
            // Stored but not proved yet: its first refresh (the import's) is what will make it usable.
            result = new AccessTokenFailure(TokenFailureReason.Busy, ImportPendingRetryAfter, "import_pending");
        }
        else if (record.Kind != CredentialKind.OAuth)
        {
            result = await SecretAsync(record, request, now, cancellationToken);
        }
        else if (request.Scopes is { } scopes && !scopes.IsExactly(record.Scopes))
        {
            result = await NarrowedAsync(record, request, scopes, now, cancellationToken);
        }
        else if (request.Renew && !(record.LastRefreshSucceededAt >= now - AccessTokenRequest.RenewWindow))
        {
            result = await RefreshAndIssueAsync(request, now - AccessTokenRequest.RenewWindow, null, options.Value.ReadTimeout, cancellationToken);
        }
        else if (TokenFreshness.Satisfies(record, request.MinValidity, now))
        {
            result = await IssueAsync(record, cancellationToken);
        }
        else
        {
            result = await RefreshAndIssueAsync(request, null, null, PatienceFor(record, now), cancellationToken);
            if (result.Failure?.Reason == TokenFailureReason.Busy && TokenFreshness.Satisfies(record, UsableAtAll, time.GetUtcNow()))
            {
                // The refresh is slow (storage, the provider, or another instance's lease): the token it would replace is
                // still valid, so the caller gets that (its expiresAt says how long) instead of a 503.
                result = await IssueAsync(record, cancellationToken);
            }
        }

        if (result.Succeeded && (record?.LastUsedAt is not { } lastUsed || now - lastUsed >= UsageRecordInterval))
        {
            // Never waited for: an answer does not depend on a bookkeeping write, however slow storage is.
            store.MarkUsedInBackground(request.Connection, now);
        }

        metrics.TokenRead(record?.ProviderId ?? "unknown", request.CallerId, OutcomeOf(result));
        if (!request.HandedOut)
        {
            return result;
        }

        await audit.CountAsync(new AuditEvent(request.CallerId, request.Connection.UserId, request.Connection.ConnectionId, AuditActions.ReadAccessToken,
            result.Succeeded ? "served" : "failed", request.CorrelationId, now,
            AuditReason(result, request)), RollupClass.Access, cancellationToken);
        return result;
    }

    /// <summary>
    /// Refused before the provider is asked when the policy says so; a resource beyond the grant's own is authorized for
    /// this caller on every request, cached token or not. A renewal (the caller's API rejected the narrower token it
    /// holds) skips the cache unless this scope set's token was issued within <see cref="AccessTokenRequest.RenewWindow"/>,
    /// as a renewal of the stored token does.
    /// </summary>
    private async Task<Result<IssuedAccessToken, AccessTokenFailure>> NarrowedAsync(
        ConnectionRecord record, AccessTokenRequest request, ScopeSet scopes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var provider = providers.Find(record.ProviderId);
        if (ScopeNarrowingPolicy.Refusal(provider, record.Scopes, scopes) is { } refusal)
        {
            return new AccessTokenFailure(TokenFailureReason.InvalidScope, null, refusal);
        }

        var beyondGrant = ScopeNarrowingPolicy.ResourcesBeyondGrant(provider, record.Scopes, scopes);
        if (beyondGrant.Count > 0 && (request.AuthorizeResources is { } authorize
            ? await authorize(beyondGrant, cancellationToken)
            : new AccessTokenFailure(TokenFailureReason.Forbidden)) is { } denied)
        {
            return denied;
        }

        return narrowedCache.Find(record, scopes, request.MinValidity, now, request.Renew ? now - AccessTokenRequest.RenewWindow : null) is { } cached
            ? cached
            : await RefreshAndIssueAsync(request, null, scopes, options.Value.ReadTimeout, cancellationToken);
    }

    /// <summary>
    /// How long a read waits for a refresh: <see cref="RefreshOptions.ReadTimeout"/>, but no longer than the stored token
    /// keeps <see cref="StillUsable"/>, so that a slow refresh (storage under overload, another instance's lease) costs
    /// the caller the previous token's remaining validity instead of a 503. A token about to end waits the whole time.
    /// </summary>
    private TimeSpan PatienceFor(ConnectionRecord record, DateTimeOffset now)
    {
        var readTimeout = options.Value.ReadTimeout;
        if (record.AccessTokenEnvelope is null || record.AccessTokenExpiresAt is not { } expiresAt)
        {
            return readTimeout;
        }

        var usable = expiresAt - StillUsable - now;
        return usable >= MinimumPatience && usable < readTimeout ? usable : readTimeout;
    }

    /// <summary>Waits for the refresh at most <paramref name="patience"/>; the refresh itself is not cut short.</summary>
    /// <param name="refreshedSince">Refresh unless the last successful refresh is at or after this instant (a renewal).</param>
    /// <param name="narrowTo">Ask the provider for a token of these scopes only, handed out and cached here, never stored.</param>
    private async Task<Result<IssuedAccessToken, AccessTokenFailure>> RefreshAndIssueAsync(AccessTokenRequest request, DateTimeOffset? refreshedSince,
        ScopeSet? narrowTo, TimeSpan patience, CancellationToken cancellationToken)
    {
        using var budget = new CancellationTokenSource(patience, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        Result<UsableRecord, RefreshFailure> refreshed;
        try
        {
            refreshed = await engine.RefreshAsync(
                new RefreshDemand(request.Connection, request.MinValidity, refreshedSince, request.CallerId, request.CorrelationId, NarrowTo: narrowTo), linked.Token);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new AccessTokenFailure(TokenFailureReason.Busy, TimeSpan.FromSeconds(2), "refresh_in_progress");
        }

        if (!refreshed.Succeeded)
        {
            return refreshed.Failure.ForCaller();
        }

        var usable = refreshed.Value;
        if (narrowTo is null)
        {
            return await IssueAsync(usable.Record, cancellationToken);
        }

        var grant = usable.Narrowed!;
        var narrowed = new IssuedAccessToken(grant.AccessToken, grant.TokenType, grant.AccessTokenExpiresAt, grant.GrantedScopes ?? narrowTo.Scopes,
            usable.Record.ProviderId);
        narrowedCache.Remember(usable.Record, narrowTo, narrowed, time.GetUtcNow());
        return narrowed;
    }

    private static string OutcomeOf(Result<IssuedAccessToken, AccessTokenFailure> result) => result.Failure?.Reason switch
    {
        null => "served",
        TokenFailureReason.NotFound => "not_found",
        TokenFailureReason.ReauthorizationRequired => "reauthorization_required",
        TokenFailureReason.ProviderUnavailable => "provider_unavailable",
        TokenFailureReason.ProviderRejected => "provider_rejected",
        TokenFailureReason.Busy => "busy",
        TokenFailureReason.InvalidScope => "invalid_scope",
        TokenFailureReason.Forbidden => "forbidden",
        TokenFailureReason.AuthorizationUnavailable => "authorization_unavailable",
        TokenFailureReason.HandoutDisabled => "handout_disabled",
        TokenFailureReason.ProviderRateLimited => "provider_rate_limited",
        _ => "failed",
    };

    /// <summary>
    /// Why it failed, if it did; which authorization decision let the caller ask (e.g.
    /// <c>authorized:collection_granted</c>); the scopes a narrower token was asked for (<c>scope:a,b</c>) and those of
    /// the token handed out (<c>issued:a,b</c>: the provider's answer, which a multi-resource provider makes broader).
    /// </summary>
    private static string? AuditReason(Result<IssuedAccessToken, AccessTokenFailure> result, AccessTokenRequest request)
    {
        string?[] parts =
        [
            result.Failure?.Reason.ToString(),
            request.AllowedBecause is null ? null : "authorized:" + request.AllowedBecause,
            request.Scopes is null ? null : "scope:" + string.Join(',', request.Scopes.Scopes),
            request.Scopes is null || !result.Succeeded ? null : "issued:" + string.Join(',', result.Value.Scopes),
        ];
        return parts.Any(part => part is not null) ? string.Join(' ', parts.Where(part => part is not null)) : null;
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
