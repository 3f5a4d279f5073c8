using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Storage;

/// <summary>Hands out table clients, creating each table once per process on first use (Azurite starts empty).</summary>
public sealed class StorageTables(TableServiceClient service, IOptions<StorageOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new(StringComparer.Ordinal);

    public Task<TableClient> ConnectionsAsync(CancellationToken cancellationToken) => GetAsync(options.Value.ConnectionsTable, cancellationToken);

    public Task<TableClient> AuditAsync(CancellationToken cancellationToken) => GetAsync(options.Value.AuditTable, cancellationToken);

    public async Task<TableClient> GetAsync(string tableName, CancellationToken cancellationToken)
    {
        var lazy = _tables.GetOrAdd(tableName, name => new Lazy<Task<TableClient>>(() => CreateAsync(name)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            // A failed creation is not kept: the next caller tries again instead of inheriting the failure.
            _tables.TryRemove(new KeyValuePair<string, Lazy<Task<TableClient>>>(tableName, lazy));
            throw;
        }
    }

    private async Task<TableClient> CreateAsync(string name)
    {
        var client = service.GetTableClient(name);
        try
        {
            await client.CreateIfNotExistsAsync();
        }
        catch (Azure.RequestFailedException exception) when (exception.Status == 403)
        {
            // In Azure the tables are provisioned by the deployment and the identity's role is scoped to each table, which
            // need not include creating one: use the table as it is. A missing table then fails on first use, naming it.
        }

        return client;
    }
}
