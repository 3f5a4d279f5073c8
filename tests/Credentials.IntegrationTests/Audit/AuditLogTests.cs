using Azure.Data.Tables;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Storage;
using Credentials.Tests.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Audit;

[Collection(AzuriteGroup.Name)]
public sealed class AuditLogTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData(AuditMode.Synchronous)]
    [InlineData(AuditMode.Queued)]
    public async Task Events_are_appended_read_back_newest_first_and_old_days_deleted(AuditMode mode)
    {
        await using var audit = await AuditUnderTest.StartAsync(azurite, new AuditOptions { Mode = mode });
        var day = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
        await audit.Log.AppendAsync(new AuditEvent("svc-a", "u1", "google", AuditActions.ReadAccessToken, "allowed", "corr-1", day), None);
        await audit.Log.AppendAsync(new AuditEvent("svc-a", "u1", "google", AuditActions.ReadAccessToken, "denied", "corr-2", day.AddMinutes(5), "no_grant"), None);
        await audit.Log.AppendAsync(new AuditEvent("svc-b", "u2", null, AuditActions.Purge, "allowed", "corr-3", day.AddDays(-40)), None);

        var events = await audit.Log.ReadDayAsync(DateOnly.FromDateTime(day.UtcDateTime), None);
        var deleted = await audit.Log.DeleteDaysBeforeAsync(DateOnly.FromDateTime(day.UtcDateTime.AddDays(-30)), None);

        Assert.Equal(["corr-2", "corr-1"], events.Select(e => e.CorrelationId));
        Assert.Equal("no_grant", events[0].Reason);
        Assert.Equal("svc-a", events[0].Caller);
        Assert.Equal(1, deleted);
        Assert.Empty(await audit.Log.ReadDayAsync(DateOnly.FromDateTime(day.UtcDateTime.AddDays(-40)), None));
        Assert.Equal(2, (await audit.Log.ReadDayAsync(DateOnly.FromDateTime(day.UtcDateTime), None)).Count);
    }

    [Fact]
    public async Task Queued_events_land_in_batches_over_several_partitions_of_a_day_and_read_back_as_one_day()
    {
        await using var audit = await AuditUnderTest.StartAsync(azurite, new AuditOptions { FlushInterval = TimeSpan.FromMilliseconds(50) });
        var day = new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

        for (var i = 0; i < 1_000; i++)
        {
            await audit.Log.AppendAsync(new AuditEvent("svc", "u" + i, "mail", AuditActions.ReadAccessToken, "served", "corr-" + i, day.AddMilliseconds(i)), None);
        }

        var events = await audit.Log.ReadDayAsync(DateOnly.FromDateTime(day.UtcDateTime), None);

        Assert.Equal(1_000, events.Count);
        Assert.Equal("corr-999", events[0].CorrelationId);
        Assert.Equal("corr-0", events[^1].CorrelationId);
        var partitions = (await audit.Table.QueryAsync<TableEntity>(select: ["PartitionKey"]).ToListAsync()).Select(e => e.PartitionKey).Distinct().ToList();
        Assert.True(partitions.Count >= 10, $"1,000 events spread over {partitions.Count} partitions");
        Assert.All(partitions, p => Assert.StartsWith("20261128-", p, StringComparison.Ordinal));
        Assert.Equal(0, audit.Buffer.Backlog);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_and_memory_stays_bounded()
    {
        // The writer is not running: nothing drains the queue.
        var buffer = new AuditBuffer(Options.Create(new AuditOptions { QueueCapacity = 100 }));
        var log = new AuditLog(azurite.CreateIsolatedTables(), buffer, Options.Create(new AuditOptions { QueueCapacity = 100 }));
        var now = DateTimeOffset.UtcNow;

        for (var i = 0; i < 100; i++)
        {
            await log.AppendAsync(new AuditEvent("svc", "u1", "mail", AuditActions.ReadAccessToken, "served", "c" + i, now), None);
        }

        await Assert.ThrowsAsync<AuditUnavailableException>(() => log.AppendAsync(new AuditEvent("svc", "u1", "mail", AuditActions.ReadAccessToken, "served", "c100", now), None));
        Assert.Equal(100, buffer.Backlog);
    }

    [Fact]
    public async Task Events_still_queued_at_shutdown_are_written_by_the_stop()
    {
        var audit = await AuditUnderTest.StartAsync(azurite, new AuditOptions { FlushInterval = TimeSpan.FromSeconds(10) });
        var now = DateTimeOffset.UtcNow;
        // Fewer than one transaction's worth (99 rows and their seal): the writer waits for the flush interval (a full batch
        // would go out at once).
        for (var i = 0; i < 98; i++)
        {
            await audit.Log.AppendAsync(new AuditEvent("svc", "u1", "mail", AuditActions.ReadAccessToken, "served", "c" + i, now), None);
        }

        Assert.Empty(await audit.Table.QueryAsync<TableEntity>().ToListAsync());
        await audit.DisposeAsync();

        Assert.Equal(98, (await audit.Table.QueryAsync<TableEntity>().ToListAsync()).Count(row => !AuditChain.IsSeal(row)));
    }

    [Fact]
    public async Task Writes_that_fail_are_retried_until_the_table_is_back_and_nothing_is_lost()
    {
        using var down = LoopbackPorts.Closed();
        var broken = azurite.ConnectionString.Replace($"127.0.0.1:{azurite.TablePort}", $"127.0.0.1:{down.Port}", StringComparison.Ordinal);
        var switchable = new SwitchableServiceClient(
            new TableServiceClient(broken, new TableClientOptions { Retry = { MaxRetries = 0 } }), azurite.CreateServiceClient());
        await using var audit = await AuditUnderTest.StartAsync(azurite, new AuditOptions { FlushInterval = TimeSpan.FromMilliseconds(20) }, switchable);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 30; i++)
        {
            await audit.Log.AppendAsync(new AuditEvent("svc", "u1", "mail", AuditActions.ReadAccessToken, "served", "c" + i, now), None);
        }

        await Task.Delay(300);
        Assert.Equal(30, audit.Buffer.Backlog);
        switchable.UseSecond = true;
        await audit.Log.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Assert.Equal(30, (await audit.Table.QueryAsync<TableEntity>().ToListAsync()).Count(row => !AuditChain.IsSeal(row)));
        Assert.Empty(audit.Metrics.GetMeasurementSnapshot());
    }

    /// <summary>An audit log with its writer running against an isolated table.</summary>
    private sealed class AuditUnderTest : IAsyncDisposable
    {
        private readonly AuditWriter _writer;

        private AuditUnderTest(AuditLog log, AuditBuffer buffer, AuditWriter writer, TableClient table, MetricCollector<long> metrics)
        {
            Log = log;
            Buffer = buffer;
            _writer = writer;
            Table = table;
            Metrics = metrics;
        }

        public AuditLog Log { get; }

        public AuditBuffer Buffer { get; }

        public TableClient Table { get; }

        /// <summary>The dropped-events counter.</summary>
        public MetricCollector<long> Metrics { get; }

        public static async Task<AuditUnderTest> StartAsync(AzuriteFixture azurite, AuditOptions settings, TableServiceClient? client = null)
        {
            var name = "Audit" + Guid.NewGuid().ToString("N")[..12];
            var tables = new StorageTables(client ?? azurite.CreateServiceClient(), Options.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, AuditTable = name }));
            var options = Options.Create(settings);
            var buffer = new AuditBuffer(options);
            var meters = new TestMeterFactory();
            var writer = new AuditWriter(buffer, tables, options, meters, NullLogger<AuditWriter>.Instance);
            var metrics = new MetricCollector<long>(meters, Credentials.Functions.Foundation.Telemetry.CredentialsTelemetry.MeterName, "credentials.audit.dropped");
            await writer.StartAsync(CancellationToken.None);
            var table = azurite.CreateServiceClient().GetTableClient(name);
            await table.CreateIfNotExistsAsync();
            return new AuditUnderTest(new AuditLog(tables, buffer, options), buffer, writer, table, metrics);
        }

        public async ValueTask DisposeAsync()
        {
            await _writer.StopAsync(CancellationToken.None);
            _writer.Dispose();
            Metrics.Dispose();
        }
    }

    private sealed class SwitchableServiceClient(TableServiceClient first, TableServiceClient second) : TableServiceClient
    {
        public bool UseSecond { get; set; }

        public override TableClient GetTableClient(string tableName) => (UseSecond ? second : first).GetTableClient(tableName);
    }

    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
        {
            var meter = new System.Diagnostics.Metrics.Meter(options.Name, options.Version, options.Tags, this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
