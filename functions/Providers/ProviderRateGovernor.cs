using System.Collections.Concurrent;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Providers;

/// <summary>
/// Keeps every instance together inside what a provider app allows. It learns from the provider's own answers (token
/// requests and proxied calls: <see cref="RateLimitObservation"/>) and shares what it learned through one row per bucket
/// (<see cref="ProviderLimitsTable"/>): a bucket is a provider's token endpoint, or one of its APIs. Before a call,
/// <see cref="AdmitAsync"/> says whether it may go: not while the provider asked to wait, and, once a window's limit is
/// known, only on a share of that window's budget claimed with a conditional write (in slices, so that claiming costs a
/// table write per slice, not per call). Maintenance (<c>deferrable</c>) leaves
/// <see cref="ProviderLimitsOptions.ReservedForCallersPercent"/> of each window to callers. Storage trouble never stops a
/// call: the governor then goes on with what it knows. See docs/providers.md#rate-limits for the bounds.
/// </summary>
public sealed partial class ProviderRateGovernor(ProviderLimitsTable table, IOptions<ProviderLimitsOptions> options, TimeProvider time,
    ILogger<ProviderRateGovernor> logger)
{
    private const int MaxWriteAttempts = 8;

    /// <summary>Added to every window end the provider states, so that a next window here never starts inside the provider's current one.</summary>
    private static readonly TimeSpan WindowGuard = TimeSpan.FromSeconds(1);

    /// <summary>A stated window end this far from the shared one is another window (the provider re-anchored it).</summary>
    private static readonly TimeSpan WindowTolerance = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>The token endpoint's bucket is the provider id; an API's is <c>{provider}!{api}</c> (<c>!</c> is in no id).</summary>
    public static string BucketOf(string providerId, string? api) => api is null ? providerId : providerId + "!" + api;

    /// <summary>Null: the call may go now. Otherwise how long to wait before asking again.</summary>
    /// <param name="deferrable">Maintenance: refused once only the callers' share of the window is left.</param>
    public async Task<TimeSpan?> AdmitAsync(string providerId, string? api, bool deferrable, CancellationToken cancellationToken)
    {
        var key = BucketOf(providerId, api);
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket());
        try
        {
            if (bucket.ReadAt is not { } readAt || time.GetUtcNow() - readAt >= options.Value.ShareInterval)
            {
                bucket.Merge(await table.ReadAsync(key, cancellationToken), time.GetUtcNow());
            }

            var now = time.GetUtcNow();
            lock (bucket.Gate)
            {
                var shared = bucket.Shared;
                if (shared?.BlockedUntil is { } blocked && blocked > now)
                {
                    return blocked - now;
                }

                if (shared?.Limit is null)
                {
                    return null;
                }

                if (shared is { Limit: { } limit, WindowEndsAt: { } end, Budget: { } budget } && end > now)
                {
                    if (deferrable && budget <= CallersShare(limit))
                    {
                        return end - now;
                    }

                    if (bucket.Slice > 0 && bucket.SliceWindowEndsAt == end)
                    {
                        bucket.Slice--;
                        return null;
                    }

                    if (budget <= 0)
                    {
                        return Spent(key, bucket, end, now);
                    }
                }
            }

            return await ClaimAsync(key, bucket, deferrable, cancellationToken);
        }
        catch (Exception exception) when (IsStorageTrouble(exception, cancellationToken))
        {
            var status = (exception as RequestFailedException)?.Status ?? 0;
            LogSharingFailed(logger, key, status);
            return null;
        }
    }

    /// <summary>Learns from a provider's answer; shares it when it is news (a block, a new window, a smaller budget than shared).</summary>
    public async Task ObserveAsync(string providerId, string? api, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var seen = RateLimitObservation.Read(response, time);
        if (seen.IsEmpty)
        {
            return;
        }

        var key = BucketOf(providerId, api);
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket());
        try
        {
            var now = time.GetUtcNow();
            if (bucket.ReadAt is { } readAt && now - readAt < options.Value.ShareInterval && Learn(bucket.Shared, seen, now) is null)
            {
                return;
            }

            for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
            {
                var row = await table.ReadAsync(key, cancellationToken);
                now = time.GetUtcNow();
                if (Learn(row, seen, now) is not { } next)
                {
                    bucket.Merge(row, now);
                    return;
                }

                if (await table.TryWriteAsync(key, next, cancellationToken))
                {
                    bucket.Merge(next, now);
                    if (seen.BlockedFor is { } wait)
                    {
                        var seconds = (long)Math.Ceiling(wait.TotalSeconds);
                        LogBlocked(logger, key, seconds);
                    }
                    else if (next.Limit != row?.Limit)
                    {
                        LogLearned(logger, key, next.Limit ?? 0, next.WindowSeconds);
                    }

                    return;
                }
            }
        }
        catch (Exception exception) when (IsStorageTrouble(exception, cancellationToken))
        {
            var status = (exception as RequestFailedException)?.Status ?? 0;
            LogSharingFailed(logger, key, status);
        }
    }

    private async Task<TimeSpan?> ClaimAsync(string key, Bucket bucket, bool deferrable, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var row = await table.ReadAsync(key, cancellationToken);
            var now = time.GetUtcNow();
            if (row?.Limit is not { } limit)
            {
                bucket.Merge(row, now);
                return null;
            }

            // A window that ended starts anew at this first claim, with the whole limit: the provider's own next window
            // starts at its first request after the end, which is this one's or later.
            var current = row.WindowEndsAt is { } ending && ending > now
                ? row
                : row with { WindowEndsAt = now + TimeSpan.FromSeconds(row.WindowSeconds) + WindowGuard, Budget = limit - Reserve(limit) };
            bucket.Merge(current, now);
            if (current.BlockedUntil is { } blocked && blocked > now)
            {
                return blocked - now;
            }

            var end = current.WindowEndsAt!.Value;
            var budget = current.Budget ?? 0;
            var floor = deferrable ? CallersShare(limit) : 0;
            if (budget <= floor)
            {
                return budget <= 0 ? Spent(key, bucket, end, now) : end - now;
            }

            var slice = Math.Min(Math.Max(1, budget / 16), budget - floor);
            var claimed = current with { Budget = budget - slice };
            if (await table.TryWriteAsync(key, claimed, cancellationToken))
            {
                lock (bucket.Gate)
                {
                    bucket.Merge(claimed, now);
                    bucket.Slice = slice - 1;
                    bucket.SliceWindowEndsAt = end;
                }

                return null;
            }
        }

        return TimeSpan.FromSeconds(1);
    }

    private TimeSpan Spent(string key, Bucket bucket, DateTimeOffset end, DateTimeOffset now)
    {
        if (bucket.SpentLoggedFor != end)
        {
            bucket.SpentLoggedFor = end;
            var seconds = (long)Math.Ceiling((end - now).TotalSeconds);
            LogSpent(logger, key, seconds);
        }

        return end - now;
    }

    /// <summary>A storage error or timeout; the SDK reports retries it gave up on as an <see cref="AggregateException"/>.</summary>
    private static bool IsStorageTrouble(Exception exception, CancellationToken cancellationToken) =>
        exception is RequestFailedException or TimeoutException or HttpRequestException or AggregateException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "Learned the rate limit of {Bucket}: {Limit} requests per {WindowSeconds} s window; shared with every instance")]
    private static partial void LogLearned(ILogger logger, string bucket, int limit, int windowSeconds);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "{Bucket} asked to wait {Seconds} s (Retry-After or an empty window); every instance holds its calls until then")]
    private static partial void LogBlocked(ILogger logger, string bucket, long seconds);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "The budget of this {Bucket} rate-limit window is spent; calls wait {Seconds} s for the next")]
    private static partial void LogSpent(ILogger logger, string bucket, long seconds);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Warning, Message = "Sharing the {Bucket} rate limit failed (HTTP {Status}; 0: no answer); this instance goes on with what it knows")]
    private static partial void LogSharingFailed(ILogger logger, string bucket, int status);
}
