using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Credentials.Tests.Support;

/// <summary>Counts the requests an Azure SDK client sends, by method and path, for tests of what a code path costs.</summary>
internal sealed class CountingPolicy : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentQueue<string> _requests = new();

    /// <summary>"METHOD /path" of every request so far.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public int CountTo(string pathFragment) => _requests.Count(r => r.Contains(pathFragment, StringComparison.Ordinal));

    public void Reset() => _requests.Clear();

    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _requests.Enqueue($"{message.Request.Method} {message.Request.Uri.Path}");
    }
}
