using Azure;
using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Maintenance;

/// <summary>Where the walk over all connections stopped, read and advanced conditionally so two runs never both advance it.</summary>
public sealed record CursorPosition(string? ContinuationToken, string? ETag);

public sealed class MaintenanceCursor(StorageTables tables, IOptions<StorageOptions> options)
{
    private const string Partition = "cursor";
    private const string Row = "connections";

    public async Task<CursorPosition> ReadAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(options.Value.MaintenanceTable, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
        return row.HasValue
            ? new CursorPosition(row.Value!.GetString("ContinuationToken") is { Length: > 0 } token ? token : null, row.Value.ETag.ToString())
            : new CursorPosition(null, null);
    }

    /// <summary>Moves the cursor if nobody else moved it since <paramref name="from"/>; null when another run got there first.</summary>
    public async Task<CursorPosition?> AdvanceAsync(CursorPosition from, string? continuationToken, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        var table = await tables.GetAsync(options.Value.MaintenanceTable, cancellationToken);
        var entity = new TableEntity(Partition, Row) { ["ContinuationToken"] = continuationToken ?? string.Empty, ["AdvancedAt"] = at };
        try
        {
            var response = from.ETag is null
                ? await table.AddEntityAsync(entity, cancellationToken)
                : await table.UpdateEntityAsync(entity, new ETag(from.ETag), TableUpdateMode.Replace, cancellationToken);
            return new CursorPosition(continuationToken, response.Headers.ETag?.ToString());
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            return null;
        }
    }
}
