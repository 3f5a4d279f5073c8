using System.Threading.Channels;

namespace Credentials.Functions.Audit;

/// <summary>
/// The bounded hand-over between requests that audit and the <see cref="AuditWriter"/>. Accepting never waits: a full
/// queue refuses, and the request fails closed. Counts what was accepted and what was settled (written or given up),
/// so that <see cref="FlushAsync"/> can wait for everything accepted before it. Repeated events are not queued one by
/// one: they are counted in <see cref="Rollups"/>, which the same writer persists.
/// </summary>
public sealed class AuditBuffer
{
    private readonly Channel<AuditEvent> _channel;
    private readonly Lock _signals = new();
    private long _accepted;
    private long _settled;
    private TaskCompletionSource _progress = NewSignal();
    private TaskCompletionSource _flushRequested = NewSignal();

    public AuditBuffer(Microsoft.Extensions.Options.IOptions<AuditOptions> options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Rollups = new AuditRollups(options.Value, time ?? TimeProvider.System);
        Capacity = options.Value.QueueCapacity;
        _channel = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public int Capacity { get; }

    public AuditRollups Rollups { get; }

    /// <summary>This instance's hash chains over the audit rows it writes, in either mode.</summary>
    internal AuditChains Chains { get; } = new();

    /// <summary>Events accepted but not yet settled.</summary>
    public long Backlog => Interlocked.Read(ref _accepted) - Interlocked.Read(ref _settled);

    internal ChannelReader<AuditEvent> Reader => _channel.Reader;

    /// <summary>Completes when a caller asked for everything to be written now.</summary>
    internal Task FlushRequested
    {
        get
        {
            lock (_signals)
            {
                return _flushRequested.Task;
            }
        }
    }

    public bool TryEnqueue(AuditEvent auditEvent)
    {
        // Counted before the write so that a flush that starts after this call returns waits for this event.
        Interlocked.Increment(ref _accepted);
        if (_channel.Writer.TryWrite(auditEvent))
        {
            return true;
        }

        Interlocked.Decrement(ref _accepted);
        return false;
    }

    /// <summary>
    /// Waits until every event accepted before this call is written (or given up and counted as dropped), and every
    /// rolled-up count as it stands now.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _accepted);
        var counts = Rollups.Targets();
        while (Interlocked.Read(ref _settled) < target || !AuditRollups.AllWritten(counts))
        {
            Task progress;
            lock (_signals)
            {
                progress = _progress.Task;
                _flushRequested.TrySetResult();
            }

            if (Interlocked.Read(ref _settled) >= target && AuditRollups.AllWritten(counts))
            {
                return;
            }

            await progress.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The writer settled <paramref name="count"/> events (0: only rolled-up rows); wakes flushes that wait.</summary>
    internal void Settled(int count)
    {
        Interlocked.Add(ref _settled, count);
        lock (_signals)
        {
            var done = _progress;
            _progress = NewSignal();
            done.TrySetResult();
        }
    }

    /// <summary>The writer starts a batch: later flush requests wake it again.</summary>
    internal void ResetFlushRequest()
    {
        lock (_signals)
        {
            if (_flushRequested.Task.IsCompleted)
            {
                _flushRequested = NewSignal();
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
