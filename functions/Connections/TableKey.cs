using Azure.Data.Tables;

namespace Credentials.Functions.Connections;

/// <summary>
/// A row's place in the connections table. The table orders rows by PartitionKey, then RowKey; both are ASCII
/// (user and connection ids, outbox row keys), where the service's order is the ordinal one.
/// </summary>
public sealed record TableKey(string PartitionKey, string RowKey)
{
    public static TableKey Of(ITableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return new TableKey(entity.PartitionKey, entity.RowKey);
    }

    public bool IsWithin(TableKey first, TableKey last) => CompareTo(first) >= 0 && CompareTo(last) <= 0;

    public int CompareTo(TableKey other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var byPartition = string.CompareOrdinal(PartitionKey, other.PartitionKey);
        return byPartition != 0 ? byPartition : string.CompareOrdinal(RowKey, other.RowKey);
    }
}
