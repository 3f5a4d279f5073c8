using System.Diagnostics.CodeAnalysis;
using Credentials.Functions.Connections;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Refresh;

/// <summary>
/// What a narrower token's refresh leaves in the store: a rotated refresh token, stored under the lease like any
/// rotation, and otherwise nothing. The stored access token, the status, the refresh times and the cooldown stay as they
/// were: the narrower token lives only in the answer (and the instance's <see cref="NarrowedTokenCache"/>), and an
/// unavailable provider pauses only that scope set (<see cref="NarrowedRefreshBackoff"/>).
/// </summary>
public sealed partial class NarrowedRefreshOutcomes(
    RefreshOutcomeStore outcomes,
    ConnectionSecrets secrets,
    ProviderCatalog providers,
    NarrowedRefreshBackoff backoff,
    ILogger<NarrowedRefreshOutcomes> logger)
{
    /// <summary>
    /// Whether this scope set still cools down after the provider was unavailable to it, and if so the answer meanwhile:
    /// unavailable, with the time left and the provider's last error code.
    /// </summary>
    public bool IsCoolingDown(ConnectionRecord record, ScopeSet scopes, DateTimeOffset now, [NotNullWhen(true)] out RefreshFailure? answer)
    {
        answer = backoff.CoolingDown(ConnectionKey.Of(record), scopes, now) is { } cooling
            ? new RefreshFailure(TokenFailureReason.ProviderUnavailable, record, cooling.Remaining, cooling.ErrorCode)
            : null;
        return answer is not null;
    }

    /// <summary>
    /// Whether a failed narrower refresh was refused for its scopes rather than for the grant. Within the grant, RFC 6749
    /// §6 lets a refresh ask for any subset, so <c>invalid_grant</c> there still means the grant is gone; beyond it (a
    /// multi-resource provider) it means the user never consented to that resource.
    /// </summary>
    public static bool IsScopeRefusal(TokenFailure failure, ScopeSet scopes, ConnectionRecord leased)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(leased);
        return failure.Kind == TokenFailureKind.Rejected
            || (failure.Kind == TokenFailureKind.InvalidGrant && !scopes.IsWithin(leased.Scopes));
    }

    /// <summary>
    /// Stores the rotation (if any) and releases the lease; the narrower token is the answer only when it is no broader
    /// than asked. Null: the stored grant changed meanwhile, so this result was dropped and the caller starts over.
    /// </summary>
    public async Task<Result<UsableRecord, RefreshFailure>?> StoreAsync(
        RefreshLease lease, ConnectionRecord leased, RefreshDemand demand, ScopeSet scopes, string usedRefreshToken, TokenGrant grant, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leased);
        ArgumentNullException.ThrowIfNull(grant);
        var (status, written) = await outcomes.PersistAsync(lease, usedRefreshToken, grant.RefreshToken, "narrowed", async current =>
            grant.RefreshToken is null
                ? current.Released()
                : await secrets.WithRefreshTokenAsync(current.Released() with { UpdatedAt = now }, grant.RefreshToken, CancellationToken.None));
        if (status == PersistStatus.Superseded)
        {
            await outcomes.DropSupersededAsync(demand, leased, usedRefreshToken, grant.RefreshToken);
            return null;
        }

        if (status == PersistStatus.Deleted)
        {
            return RefreshFailure.NotFound;
        }

        backoff.Succeeded(ConnectionKey.Of(leased), scopes);
        var rotation = grant.RefreshToken is null ? "not_rotated" : "rotated";
        if (!ScopeNarrowingPolicy.AnswerFits(providers.Find(leased.ProviderId), scopes, grant.GrantedScopes))
        {
            LogAnsweredBroader(logger, leased.ProviderId);
            await outcomes.RecordAsync(demand, leased, "failed", $"{ScopeFailureCodes.ProviderAnsweredBroader};{rotation}");
            return new RefreshFailure(TokenFailureReason.InvalidScope, written, null, ScopeFailureCodes.ProviderAnsweredBroader);
        }

        await outcomes.RecordAsync(demand, leased, "success", $"narrowed;{rotation};issued:{string.Join(',', grant.GrantedScopes ?? scopes.Scopes)}");
        return new UsableRecord(written!, Refreshed: true, Narrowed: grant);
    }

    /// <summary>The provider refused the narrower token, not the grant: the lease is released and nothing else changes. Null: start over.</summary>
    public async Task<Result<UsableRecord, RefreshFailure>?> RefusedAsync(RefreshLease lease, ConnectionRecord leased, RefreshDemand demand, string usedRefreshToken, TokenFailure failure)
    {
        ArgumentNullException.ThrowIfNull(leased);
        ArgumentNullException.ThrowIfNull(failure);
        var (status, written) = await outcomes.PersistAsync(lease, usedRefreshToken, null, failure.ErrorCode,
            record => ValueTask.FromResult(record.Released()));
        await outcomes.RecordAsync(demand, leased, "failed", "narrowing_refused;" + failure.ErrorCode);
        if (status == PersistStatus.Superseded)
        {
            return null;
        }

        var scopeRefused = failure.Kind == TokenFailureKind.InvalidGrant || failure.ErrorCode == ScopeFailureCodes.NotGranted;
        return status == PersistStatus.Deleted ? RefreshFailure.NotFound
            : scopeRefused ? new RefreshFailure(TokenFailureReason.InvalidScope, written, null, ScopeFailureCodes.NotGranted)
            : new RefreshFailure(TokenFailureReason.ProviderRejected, written, null, failure.ErrorCode);
    }

    /// <summary>
    /// The provider was unavailable to this narrower refresh (5xx, 429, timeout): the lease is released and only this
    /// scope set cools down; the connection's failure count, status and cooldown are untouched. Null: start over.
    /// </summary>
    public async Task<Result<UsableRecord, RefreshFailure>?> UnavailableAsync(
        RefreshLease lease, ConnectionRecord leased, RefreshDemand demand, ScopeSet scopes, string usedRefreshToken, TokenFailure failure, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leased);
        ArgumentNullException.ThrowIfNull(failure);
        var cooldown = backoff.Failed(ConnectionKey.Of(leased), scopes, failure.ErrorCode, failure.RetryAfter, now);
        var (status, written) = await outcomes.PersistAsync(lease, usedRefreshToken, null, failure.ErrorCode,
            record => ValueTask.FromResult(record.Released()));
        await outcomes.RecordAsync(demand, leased, "failed", "narrowed_unavailable;" + failure.ErrorCode);
        if (status == PersistStatus.Superseded)
        {
            return null;
        }

        return status == PersistStatus.Deleted ? RefreshFailure.NotFound
            : new RefreshFailure(TokenFailureReason.ProviderUnavailable, written, cooldown, failure.ErrorCode);
    }

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "A {ProviderId} narrower token was broader than asked and was not handed out; check its ScopeNarrowing setting")]
    private static partial void LogAnsweredBroader(ILogger logger, string providerId);
}
