using Azure;
using Azure.Data.Tables;

namespace Credentials.Functions.Storage;

/// <summary>Rows that may be used once (OAuth states, pending connections): read, then taken by a conditional delete.</summary>
internal static class SingleUseRows
{
    /// <summary>
    /// Reads the row and deletes it at the ETag it was read at: of concurrent takers exactly one gets it; the others (and
    /// a row that was never there) get null.
    /// </summary>
    public static async Task<TableEntity?> TakeAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var found = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken);
        return found.HasValue && await TryDeleteAsync(table, found.Value!, cancellationToken) ? found.Value : null;
    }

    /// <summary>Deletes the row if it is still at the ETag it was read at; false when another taker was first.</summary>
    public static async Task<bool> TryDeleteAsync(TableClient table, TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            // The SDK reports a delete of a row that is already gone as a 404 response, not an exception.
            using var deleted = await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, entity.ETag, cancellationToken);
            return deleted.Status != 404;
        }
        catch (RequestFailedException exception) when (exception.Status is 404 or 412)
        {
            return false;
        }
    }
}
