using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;

namespace Credentials.Functions.Audit;

/// <summary>
/// Tamper evidence for the audit table (docs/storage.md, "Audit hash chains"). Every transaction of audit rows carries
/// one seal row in the same partition: the digest of each row it wrote, the previous seal's hash and its own hash over
/// both, so the seals of one writer in one partition form a chain. A row altered, deleted or inserted afterwards, or a seal
/// removed from the middle, no longer matches; tools/AuditVerify reports the first broken link.
/// </summary>
public static class AuditChain
{
    /// <summary>Seal row keys sort after every audit row key (digits) of their partition.</summary>
    public const string SealPrefix = "~seal-";

    /// <summary>The "previous hash" of a chain's first seal.</summary>
    public static readonly string Genesis = new('0', 64);

    private static readonly HashSet<string> Unsealed = new(StringComparer.Ordinal) { "PartitionKey", "RowKey", "Timestamp", "odata.etag" };

    public static bool IsSeal(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return entity.RowKey.StartsWith(SealPrefix, StringComparison.Ordinal);
    }

    /// <summary>The seal of <paramref name="rows"/> as link <paramref name="sequence"/> of <paramref name="chain"/>.</summary>
    public static TableEntity Seal(string partition, string chain, long sequence, string previous, IEnumerable<TableEntity> rows)
    {
        var listed = string.Concat(rows.Select(row => row.RowKey + " " + Digest(row) + "\n"));
        return new TableEntity(partition, string.Create(CultureInfo.InvariantCulture, $"{SealPrefix}{chain}-{sequence:D10}"))
        {
            ["Chain"] = chain,
            ["Sequence"] = sequence,
            ["Previous"] = previous,
            ["Rows"] = listed,
            ["Hash"] = Hash(partition, chain, sequence, previous, listed),
        };
    }

    /// <summary>The hash a seal must carry: its place (partition, chain, sequence), the previous seal's hash and its rows.</summary>
    public static string Hash(string partition, string chain, long sequence, string previous, string rows) =>
        Sha256(string.Create(CultureInfo.InvariantCulture, $"{partition}\n{chain}\n{sequence}\n{previous}\n{rows}"));

    /// <summary>
    /// SHA-256 of a row's keys and properties in ordinal name order, each value typed and length-prefixed, without the
    /// store's own Timestamp and ETag: the same for the entity written and the entity read back.
    /// </summary>
    public static string Digest(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var canonical = new StringBuilder();
        Append(canonical, "PartitionKey", row.PartitionKey);
        Append(canonical, "RowKey", row.RowKey);
        foreach (var name in row.Keys.Where(name => !Unsealed.Contains(name)).Order(StringComparer.Ordinal))
        {
            if (row[name] is { } value)
            {
                Append(canonical, name, value);
            }
        }

        return Sha256(canonical.ToString());
    }

    private static void Append(StringBuilder canonical, string name, object value)
    {
        var text = value switch
        {
            string s => "s" + s,
            DateTimeOffset d => "d" + d.UtcTicks.ToString(CultureInfo.InvariantCulture),
            DateTime d => "d" + new DateTimeOffset(DateTime.SpecifyKind(d, d.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : d.Kind)).UtcTicks.ToString(CultureInfo.InvariantCulture),
            int or long => "n" + Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            bool b => b ? "btrue" : "bfalse",
            double x => "f" + x.ToString("R", CultureInfo.InvariantCulture),
            byte[] bytes => "x" + Convert.ToBase64String(bytes),
            BinaryData data => "x" + Convert.ToBase64String(data.ToArray()),
            _ => "o" + Convert.ToString(value, CultureInfo.InvariantCulture),
        };
        canonical.Append(CultureInfo.InvariantCulture, $"{name.Length}:{name}={text.Length}:{text};");
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
