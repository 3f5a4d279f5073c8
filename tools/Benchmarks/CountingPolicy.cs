using Azure.Core;
using Azure.Core.Pipeline;

namespace Credentials.Benchmarks;

/// <summary>Counts the requests an Azure SDK client sends, by method.</summary>
internal sealed class CountingPolicy : HttpPipelineSynchronousPolicy
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _byMethod = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _paths = new();
    private int _count;

    public int Count => _count;

    public Dictionary<string, int> ByMethod() => new(_byMethod);

    /// <summary>How many requests went to a path containing <paramref name="fragment"/> (a table name, <c>$batch</c>).</summary>
    public int CountTo(string fragment) => _paths.Count(path => path.Contains(fragment, StringComparison.Ordinal));

    public void Reset()
    {
        _count = 0;
        _byMethod.Clear();
        _paths.Clear();
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        Interlocked.Increment(ref _count);
        _paths.Enqueue(message.Request.Uri.Path);
        _byMethod.AddOrUpdate(message.Request.Method.ToString(), 1, (_, n) => n + 1);
    }
}
