using System.Globalization;
using Azure.Data.Tables;
using Credentials.Functions.Audit;

namespace Credentials.AuditVerify;

/// <summary>One broken link: where, and what is wrong there.</summary>
public sealed record AuditChainFinding(string Partition, string? Chain, long? Sequence, string? RowKey, string Problem)
{
    public override string ToString() =>
        $"{Partition} {(Chain is null ? "(no chain)" : $"chain {Chain} seal {Sequence}")}{(RowKey is null ? string.Empty : " row " + RowKey)}: {Problem}";
}

/// <summary>
/// Checks the audit table's hash chains (<see cref="AuditChain"/>): every seal's hash over its place, its predecessor and
/// its rows; every chain numbered from 0 without a gap; every row the newest seal of each chain lists matching its digest,
/// still there, and no row that no seal lists. Findings come in table order, so the first is the first broken link.
/// </summary>
public static class AuditChainVerifier
{
    /// <summary>Verifies every partition of the UTC days <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public static async Task<IReadOnlyList<AuditChainFinding>> VerifyAsync(TableClient table, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var first = from.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var last = to.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "~";
        var entities = new List<TableEntity>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {first} and PartitionKey lt {last}"), cancellationToken: cancellationToken))
        {
            entities.Add(entity);
        }

        return Verify(entities);
    }

    public static IReadOnlyList<AuditChainFinding> Verify(IEnumerable<TableEntity> entities)
    {
        var findings = new List<AuditChainFinding>();
        foreach (var partition in entities.GroupBy(e => e.PartitionKey, StringComparer.Ordinal).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var rows = partition.Where(e => !AuditChain.IsSeal(e)).ToDictionary(e => e.RowKey, StringComparer.Ordinal);
            // Per row, the digest the newest seal of each chain that lists it gave (a rolled-up row is sealed again on every rewrite).
            var sealedDigests = new Dictionary<string, Dictionary<string, (long Sequence, string Digest)>>(StringComparer.Ordinal);
            foreach (var chain in partition.Where(AuditChain.IsSeal).GroupBy(s => s.GetString("Chain") ?? string.Empty, StringComparer.Ordinal).OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                VerifyChain(partition.Key, chain.Key, [.. chain.OrderBy(s => s.GetInt64("Sequence") ?? -1)], sealedDigests, findings);
            }

            foreach (var (rowKey, chains) in sealedDigests.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                var newest = chains.OrderByDescending(c => c.Value.Sequence).First();
                if (!rows.TryGetValue(rowKey, out var row))
                {
                    findings.Add(new(partition.Key, newest.Key, newest.Value.Sequence, rowKey, "row deleted: a seal lists it and the table does not have it"));
                }
                else if (!chains.Values.Any(c => c.Digest == AuditChain.Digest(row)))
                {
                    findings.Add(new(partition.Key, newest.Key, newest.Value.Sequence, rowKey, "row altered: its content does not match the digest its newest seal holds"));
                }
            }

            findings.AddRange(rows.Keys.Where(key => !sealedDigests.ContainsKey(key)).Order(StringComparer.Ordinal)
                .Select(key => new AuditChainFinding(partition.Key, null, null, key, "row unsealed: no seal lists it (inserted afterwards, or written before chains existed)")));
        }

        return findings;
    }

    private static void VerifyChain(string partition, string chain, List<TableEntity> seals, Dictionary<string, Dictionary<string, (long, string)>> sealedDigests, List<AuditChainFinding> findings)
    {
        var previous = AuditChain.Genesis;
        var expected = 0L;
        foreach (var seal in seals)
        {
            var sequence = seal.GetInt64("Sequence") ?? -1;
            var listed = seal.GetString("Rows") ?? string.Empty;
            if (sequence != expected)
            {
                findings.Add(new(partition, chain, expected, null, $"seal missing: the chain goes from seal {expected - 1} to seal {sequence}"));
            }
            else if (seal.GetString("Previous") != previous)
            {
                findings.Add(new(partition, chain, sequence, null, "seal does not follow its predecessor: the previous seal was altered or replaced"));
            }

            if (seal.GetString("Hash") != AuditChain.Hash(partition, chain, sequence, seal.GetString("Previous") ?? string.Empty, listed)
                || seal.RowKey != AuditChain.Seal(partition, chain, sequence, string.Empty, []).RowKey)
            {
                findings.Add(new(partition, chain, sequence, null, "seal altered: its hash does not match its content"));
            }

            foreach (var line in listed.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                if (!sealedDigests.TryGetValue(parts[0], out var byChain))
                {
                    sealedDigests[parts[0]] = byChain = new(StringComparer.Ordinal);
                }

                byChain[chain] = (sequence, parts.Length > 1 ? parts[1] : string.Empty);
            }

            previous = seal.GetString("Hash") ?? string.Empty;
            expected = sequence + 1;
        }
    }
}
