using System.Diagnostics.Metrics;
using Azure.Data.Tables;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Audit;

/// <summary>
/// Writes queued audit events in entity-group transactions (up to 99 rows of one partition and their seal each), at least every
/// <see cref="AuditOptions.FlushInterval"/>, on request, and on shutdown. Failed writes are retried with backoff while the
/// queue fills up behind them (so requests fail closed rather than go unaudited); events the table refuses outright are
/// counted and logged as dropped. Rolled-up rows (<see cref="AuditRollups"/>) are written by the same loop.
/// </summary>
internal sealed partial class AuditWriter : BackgroundService
{
    private const int MaxBatch = AuditTableWrites.MaxRows;
    private const int MaxDrain = 2_000;
    private readonly AuditBuffer _buffer;
    private readonly AuditTableWrites _table;
    private readonly IOptions<AuditOptions> _options;
    private readonly ILogger<AuditWriter> _logger;
    private readonly Counter<long> _written;
    private readonly Counter<long> _dropped;
    private readonly Meter _meter;
    private readonly List<AuditEvent> _carryOver = [];
    private int _nextShard = Random.Shared.Next(AuditTableLayout.Shards);

    public AuditWriter(AuditBuffer buffer, StorageTables tables, IOptions<AuditOptions> options, IMeterFactory meters, ILogger<AuditWriter> logger)
    {
        _buffer = buffer;
        _table = new AuditTableWrites(tables, buffer.Chains, logger);
        _options = options;
        _logger = logger;
        _meter = meters.CreateServiceMeter();
        _written = _meter.CreateCounter<long>("credentials.audit.written", "{event}", "Audit events written");
        _dropped = _meter.CreateCounter<long>("credentials.audit.dropped", "{event}", "Audit events that could not be written");
        _meter.CreateObservableGauge("credentials.audit.backlog", () => buffer.Backlog, "{event}", "Audit events accepted and not yet written");
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Whatever is still queued or counted is written now, until the host's shutdown deadline; what is left then is
        // lost, and said so.
        await DrainAsync(final: true, cancellationToken);
        try
        {
            await WriteRollupsAsync(everything: true, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogDropped(_logger, _buffer.Rollups.Count);
        }
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Value.Mode != AuditMode.Queued)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // A trickle waits up to the flush interval to fill a transaction; a full one is written at once. The wait
                // also paces the rolled-up rows: new tallies are written within one interval, closed windows after it.
                if (_buffer.Reader.Count < MaxBatch)
                {
                    await Task.WhenAny(Task.Delay(_options.Value.FlushInterval, stoppingToken), _buffer.FlushRequested);
                }

                var flushRequested = _buffer.FlushRequested.IsCompleted;
                _buffer.ResetFlushRequest();
                await DrainAsync(final: false, stoppingToken);
                await WriteRollupsAsync(everything: flushRequested, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: StopAsync drains what is left.
        }
    }

    /// <summary>
    /// Writes the rolled-up rows that are due, each replacing its own earlier version. A row that cannot be written stays
    /// due (its tally keeps counting in memory) and is tried again on the next round.
    /// </summary>
    private async Task WriteRollupsAsync(bool everything, CancellationToken cancellationToken)
    {
        var due = _buffer.Rollups.Collect(everything);
        if (due.Count == 0)
        {
            return;
        }

        var chunks = due.GroupBy(row => AuditTableLayout.PartitionFor(row.Event.Rollup!))
            .SelectMany(partition => partition.Chunk(MaxBatch).Select(chunk => (Partition: partition.Key, Rows: chunk)))
            .ToList();
        var results = await Task.WhenAll(chunks.Select(chunk =>
            _table.WriteAsync(chunk.Partition, chunk.Rows.Select(row => row.Event).ToArray(), TableTransactionActionType.UpsertReplace, cancellationToken)));
        for (var i = 0; i < chunks.Count; i++)
        {
            if (results[i] is { } written)
            {
                // Written, or refused outright by the table (counted and logged as dropped): either way settled.
                Settle(chunks[i].Rows.Length, written, queued: false);
                foreach (var row in chunks[i].Rows)
                {
                    _buffer.Rollups.Written(row);
                }
            }
        }
    }

    /// <param name="final">The last drain: what cannot be written before cancellation is dropped (counted and logged).</param>
    /// <param name="cancellationToken">Ends the drain; events read but not written are kept for the next drain.</param>
    private async Task DrainAsync(bool final, CancellationToken cancellationToken)
    {
        while (true)
        {
            var batch = new List<AuditEvent>(_carryOver);
            _carryOver.Clear();
            while (batch.Count < MaxDrain && _buffer.Reader.TryRead(out var auditEvent))
            {
                batch.Add(auditEvent);
            }

            if (batch.Count == 0)
            {
                return;
            }

            // Each chunk goes to its own shard, so the chunks of one drain are written side by side.
            var chunks = batch.GroupBy(e => AuditTableLayout.DayOf(e.OccurredAt))
                .SelectMany(day => day.Chunk(MaxBatch).Select(chunk => (Partition: AuditTableLayout.PartitionFor(day.Key, Interlocked.Increment(ref _nextShard)), Events: chunk)))
                .ToList();
            var results = await Task.WhenAll(chunks.Select(chunk => _table.WriteAsync(chunk.Partition, chunk.Events, TableTransactionActionType.Add, cancellationToken)));
            var unwritten = new List<AuditEvent>();
            for (var i = 0; i < chunks.Count; i++)
            {
                if (results[i] is { } written)
                {
                    Settle(chunks[i].Events.Length, written);
                }
                else
                {
                    unwritten.AddRange(chunks[i].Events);
                }
            }

            if (unwritten.Count > 0)
            {
                if (final)
                {
                    Settle(unwritten.Count, written: 0);
                }
                else
                {
                    _carryOver.AddRange(unwritten);
                }

                return;
            }
        }
    }

    /// <param name="queued">False for rolled-up rows, which the queue's own count does not include.</param>
    private void Settle(int count, int written, bool queued = true)
    {
        _written.Add(written);
        if (written < count)
        {
            _dropped.Add(count - written);
            LogDropped(_logger, count - written);
        }

        _buffer.Settled(queued ? count : 0);
    }

    [LoggerMessage(EventId = 2200, Level = LogLevel.Error, Message = "{Count} audit events could not be written and are lost")]
    private static partial void LogDropped(ILogger logger, int count);
}
