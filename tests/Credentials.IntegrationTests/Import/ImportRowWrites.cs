using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Credentials.Tests.Import;

/// <summary>
/// Faults on writes of one connection row (an insert, a replace, or either inside a transaction) while
/// <see cref="ArmedWhen"/> holds: the next <see cref="Faults"/> fail with a 503, are held before sending, or first let
/// <see cref="BeforeFault"/> run (another write landing just before this one).
/// </summary>
internal sealed class ImportRowWrites(string rowKey) : HttpPipelinePolicy
{
    private int _faulted;

    public string Table { get; set; } = string.Empty;

    public Func<bool> ArmedWhen { get; set; } = () => false;

    public int Faults { get; init; } = 1;

    public bool Fail { get; init; }

    public bool ReplacesOnly { get; init; }

    public TimeSpan DelayBeforeSending { get; init; }

    public Func<Task>? BeforeFault { get; set; }

    public int Faulted => Volatile.Read(ref _faulted);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The service writes asynchronously.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Volatile.Read(ref _faulted) >= Faults || !ArmedWhen() || !await IsRowWriteAsync(message))
        {
            await ProcessNextAsync(message, pipeline);
            return;
        }

        if (Interlocked.Increment(ref _faulted) > Faults)
        {
            await ProcessNextAsync(message, pipeline);
            return;
        }

        if (BeforeFault is { } before)
        {
            var armed = ArmedWhen;
            ArmedWhen = () => false;
            await before();
            ArmedWhen = armed;
        }

        if (Fail)
        {
            throw new RequestFailedException(503, "Injected storage outage.");
        }

        await Task.Delay(DelayBeforeSending);
        await ProcessNextAsync(message, pipeline);
    }

    private async Task<bool> IsRowWriteAsync(HttpMessage message)
    {
        if (message.Request.Method == RequestMethod.Get || Table.Length == 0)
        {
            return false;
        }

        var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
        if (uri.Contains($"RowKey='{rowKey}'", StringComparison.Ordinal))
        {
            return uri.Contains(Table, StringComparison.Ordinal);
        }

        if (ReplacesOnly || message.Request.Content is not { } content)
        {
            return false;
        }

        using var buffer = new MemoryStream();
        await content.WriteToAsync(buffer, CancellationToken.None);
        var body = Encoding.UTF8.GetString(buffer.ToArray());
        return (uri.Contains(Table, StringComparison.Ordinal) || (uri.Contains("$batch", StringComparison.Ordinal) && body.Contains(Table, StringComparison.Ordinal)))
            && (body.Contains($"\"RowKey\":\"{rowKey}\"", StringComparison.Ordinal) || body.Contains($"RowKey='{rowKey}'", StringComparison.Ordinal));
    }
}
