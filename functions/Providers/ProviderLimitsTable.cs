using Azure;
using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Providers;

/// <summary>
/// What the instances learned about one provider bucket's rate limit, shared: the window's limit, its end, its length,
/// the requests still to be claimed in it (<see cref="Budget"/>), and a block (<c>Retry-After</c>). Null figures: not
/// learned (a provider that only ever said <c>Retry-After</c>).
/// </summary>
public sealed record SharedLimit(int? Limit, DateTimeOffset? WindowEndsAt, int WindowSeconds, int? Budget, DateTimeOffset? BlockedUntil, string? ETag);

/// <summary>
/// The shared limits: one row per bucket in the maintenance table (partition <c>provider-limits</c>), every write
/// conditional on the ETag read, so a claim on a window's budget is never counted twice or lost.
/// </summary>
public sealed class ProviderLimitsTable(StorageTables tables, IOptions<StorageOptions> options)
{
    private const string Partition = "provider-limits";

    public async Task<SharedLimit?> ReadAsync(string bucket, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(options.Value.MaintenanceTable, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, bucket, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        var entity = row.Value!;
        return new SharedLimit(entity.GetInt32("Limit"), entity.GetDateTimeOffset("WindowEndsAt"), entity.GetInt32("WindowSeconds") ?? 0,
            entity.GetInt32("Budget"), entity.GetDateTimeOffset("BlockedUntil"), entity.ETag.ToString());
    }

    /// <summary>Writes <paramref name="limit"/> if the row is still at its ETag (none: if there is no row); false when another instance wrote first.</summary>
    public async Task<bool> TryWriteAsync(string bucket, SharedLimit limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var table = await tables.GetAsync(options.Value.MaintenanceTable, cancellationToken);
        var entity = new TableEntity(Partition, bucket)
        {
            ["Limit"] = limit.Limit,
            ["WindowEndsAt"] = limit.WindowEndsAt,
            ["WindowSeconds"] = limit.WindowSeconds,
            ["Budget"] = limit.Budget,
            ["BlockedUntil"] = limit.BlockedUntil,
        };
        try
        {
            _ = limit.ETag is null
                ? await table.AddEntityAsync(entity, cancellationToken)
                : await table.UpdateEntityAsync(entity, new ETag(limit.ETag), TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            return false;
        }
    }
}
