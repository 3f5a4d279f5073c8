using System.Collections.Concurrent;
using Azure.Data.Tables;

namespace Credentials.Functions.Audit;

/// <summary>
/// This instance's audit chains: one per partition it writes (a UTC day and shard), each with its own random id, so
/// instances never share or coordinate a chain. Transactions of one partition are sealed and written one after another;
/// partitions go side by side. A write whose outcome is unknown (cancelled, or failed after retries) ends its chain and
/// the partition's next write starts a new one, so a seal number is never used twice and a chain never has a gap of its own
/// making.
/// </summary>
internal sealed class AuditChains
{
    private const int MaxLinks = 128;
    private readonly ConcurrentDictionary<string, Link> _links = new(StringComparer.Ordinal);

    /// <summary>
    /// Seals <paramref name="rows"/> as the partition's next link and writes rows and seal with <paramref name="write"/>
    /// (which returns the rows written, or null when it does not know whether the transaction landed).
    /// </summary>
    public async Task<int?> ExtendAsync(string partition, IReadOnlyList<TableEntity> rows,
        Func<IReadOnlyList<TableEntity>, CancellationToken, Task<int?>> write, CancellationToken cancellationToken)
    {
        var link = _links.GetOrAdd(partition, _ => new Link());
        Prune(partition);
        await link.Gate.WaitAsync(cancellationToken);
        try
        {
            var seal = AuditChain.Seal(partition, link.Chain, link.Next, link.Head, rows);
            int? written;
            try
            {
                written = await write([.. rows, seal], cancellationToken);
            }
            catch
            {
                link.Restart();
                throw;
            }

            if (written is null)
            {
                link.Restart();
            }
            else
            {
                link.Advance(seal.GetString("Hash"));
            }

            return written;
        }
        finally
        {
            link.Gate.Release();
        }
    }

    /// <summary>Forgets the links of days long past; a late write to one of them simply starts a new chain.</summary>
    private void Prune(string current)
    {
        if (_links.Count <= MaxLinks)
        {
            return;
        }

        var day = current[..Math.Min(8, current.Length)];
        foreach (var partition in _links.Keys.Where(p => string.CompareOrdinal(p[..Math.Min(8, p.Length)], day) < 0))
        {
            _links.TryRemove(partition, out _);
        }
    }

    private sealed class Link
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string Chain { get; private set; } = NewChain();

        public long Next { get; private set; }

        public string Head { get; private set; } = AuditChain.Genesis;

        public void Advance(string hash)
        {
            Next++;
            Head = hash;
        }

        public void Restart()
        {
            Chain = NewChain();
            Next = 0;
            Head = AuditChain.Genesis;
        }

        private static string NewChain() => Guid.NewGuid().ToString("N");
    }
}
