using Azure.Data.Tables;
using Credentials.AuditVerify;
using Credentials.Functions.Audit;
using Credentials.Functions.Storage;
using Credentials.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Audit;

/// <summary>
/// The audit table's hash chains, written by the real writer to Azurite in both modes and checked by tools/AuditVerify:
/// an untouched table verifies clean; an altered, deleted or inserted row and a removed seal are each reported.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class AuditChainTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateOnly Day = new(2026, 12, 6);

    [Theory]
    [InlineData(AuditMode.Queued)]
    [InlineData(AuditMode.Synchronous)]
    public async Task An_untouched_table_verifies_clean_also_after_rolled_up_rows_are_rewritten(AuditMode mode)
    {
        var table = await WriteAuditAsync(mode);

        var findings = await AuditChainVerifier.VerifyAsync(table, Day, Day, None);

        Assert.Empty(findings);
        Assert.Contains(await table.QueryAsync<TableEntity>().ToListAsync(), AuditChain.IsSeal);
    }

    [Fact]
    public async Task An_altered_row_and_a_rolled_up_count_set_back_are_each_reported_at_their_row()
    {
        var table = await WriteAuditAsync(AuditMode.Queued);
        var rows = await RowsAsync(table);
        var altered = rows.First(r => r.GetString("Caller") == "svc-a" && r.GetInt64("Count") is null);
        altered["Caller"] = "someone-else";
        await table.UpdateEntityAsync(altered, altered.ETag, TableUpdateMode.Replace);
        var rolledUp = rows.First(r => r.GetInt64("Count") == 3);
        rolledUp["Count"] = 1L;
        await table.UpdateEntityAsync(rolledUp, rolledUp.ETag, TableUpdateMode.Replace);

        var findings = await AuditChainVerifier.VerifyAsync(table, Day, Day, None);

        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.RowKey == altered.RowKey && f.Problem.StartsWith("row altered", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.RowKey == rolledUp.RowKey && f.Problem.StartsWith("row altered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_deleted_row_an_inserted_row_and_a_removed_seal_are_each_reported()
    {
        // 48 single writes over 16 shards: some partition's chain has three seals or more.
        var table = await WriteAuditAsync(AuditMode.Synchronous, events: 48);
        var rows = await RowsAsync(table);
        var deleted = rows.First(r => r.GetString("CorrelationId") == "corr-2");
        await table.DeleteEntityAsync(deleted.PartitionKey, deleted.RowKey);
        var forged = new TableEntity(rows[0].PartitionKey, "0000000000000000000-forged") { ["Caller"] = "svc-a", ["Action"] = "read_access_token" };
        await table.AddEntityAsync(forged);
        var seals = (await table.QueryAsync<TableEntity>().ToListAsync()).Where(AuditChain.IsSeal)
            .GroupBy(s => s.GetString("Chain")).First(chain => chain.Count() >= 3).OrderBy(s => s.GetInt64("Sequence")).ToList();
        await table.DeleteEntityAsync(seals[1].PartitionKey, seals[1].RowKey);

        var findings = await AuditChainVerifier.VerifyAsync(table, Day, Day, None);

        Assert.Contains(findings, f => f.RowKey == deleted.RowKey && f.Problem.StartsWith("row deleted", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.RowKey == forged.RowKey && f.Problem.StartsWith("row unsealed", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Chain == seals[1].GetString("Chain") && f.Sequence == 1 && f.Problem.StartsWith("seal missing", StringComparison.Ordinal));
    }

    /// <summary>
    /// Events of one day through the audit log with its writer running (as AuditLogTests runs it): single events, and a
    /// rolled-up tuple counted, flushed, counted again and flushed, so that its row is rewritten under a later seal.
    /// </summary>
    private async Task<TableClient> WriteAuditAsync(AuditMode mode, int events = 12)
    {
        var name = "Chain" + Guid.NewGuid().ToString("N")[..12];
        var tables = new StorageTables(azurite.CreateServiceClient(), Options.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, AuditTable = name }));
        var options = Options.Create(new AuditOptions { Mode = mode, FlushInterval = TimeSpan.FromMilliseconds(20), RollupWindow = TimeSpan.FromDays(1) });
        var buffer = new AuditBuffer(options);
        using var meters = new NoMeters();
        using var writer = new AuditWriter(buffer, tables, options, meters, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(None);
        var log = new AuditLog(tables, buffer, options);
        var at = new DateTimeOffset(Day, new TimeOnly(9, 0), TimeSpan.Zero);
        for (var i = 0; i < events; i++)
        {
            await log.AppendAsync(new AuditEvent(i % 2 == 0 ? "svc-a" : "svc-b", "u" + i, "mail", AuditActions.Connect, "allowed", "corr-" + i, at.AddSeconds(i)), None);
        }

        await log.CountAsync(new AuditEvent("svc-a", "u1", "mail", AuditActions.ReadAccessToken, "served", "corr-r1", at.AddMinutes(1)), RollupClass.Access, None);
        await log.FlushAsync(None);
        await log.CountAsync(new AuditEvent("svc-a", "u1", "mail", AuditActions.ReadAccessToken, "served", "corr-r2", at.AddMinutes(2)), RollupClass.Access, None);
        await log.CountAsync(new AuditEvent("svc-a", "u1", "mail", AuditActions.ReadAccessToken, "served", "corr-r3", at.AddMinutes(3)), RollupClass.Access, None);
        await log.FlushAsync(None);
        await writer.StopAsync(None);
        return azurite.CreateServiceClient().GetTableClient(name);
    }

    private static async Task<List<TableEntity>> RowsAsync(TableClient table) =>
        (await table.QueryAsync<TableEntity>().ToListAsync()).Where(e => !AuditChain.IsSeal(e)).ToList();

    private sealed class NoMeters : System.Diagnostics.Metrics.IMeterFactory
    {
        private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
        {
            var meter = new System.Diagnostics.Metrics.Meter(options.Name, options.Version, options.Tags, this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
