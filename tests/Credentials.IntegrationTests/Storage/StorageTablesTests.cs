using Azure;
using Azure.Data.Tables;
using Credentials.Functions.Connections;
using Credentials.Functions.Storage;
using Credentials.Tests.Support;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Storage;

[Collection(AzuriteGroup.Name)]
public sealed class StorageTablesTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_failed_table_creation_is_retried_by_the_next_caller()
    {
        using var closed = LoopbackPorts.Closed();
        var reachable = new StorageOptions { ConnectionString = azurite.ConnectionString };
        var unreachable = new TableServiceClient(
            azurite.ConnectionString.Replace($"127.0.0.1:{azurite.TablePort}", $"127.0.0.1:{closed.Port}", StringComparison.Ordinal),
            new TableClientOptions { Retry = { MaxRetries = 0 } });
        var flaky = new SwitchableServiceClient(unreachable, azurite.CreateServiceClient());
        var tables = new StorageTables(flaky, Options.Create(reachable));
        var name = "Retry" + Guid.NewGuid().ToString("N")[..10];

        await Assert.ThrowsAnyAsync<RequestFailedException>(() => tables.GetAsync(name, CancellationToken.None));
        flaky.UseSecond = true;
        var client = await tables.GetAsync(name, CancellationToken.None);

        await client.AddEntityAsync(new TableEntity("p", "r"));
        Assert.Single(await client.QueryAsync<TableEntity>().ToListAsync());
    }

    /// <summary>A service client that hands out tables of one account until switched to another.</summary>
    private sealed class SwitchableServiceClient(TableServiceClient first, TableServiceClient second) : TableServiceClient
    {
        public bool UseSecond { get; set; }

        public override TableClient GetTableClient(string tableName) => (UseSecond ? second : first).GetTableClient(tableName);
    }
}
