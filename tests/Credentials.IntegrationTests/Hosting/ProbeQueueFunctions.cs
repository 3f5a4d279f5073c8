using Microsoft.Azure.Functions.Worker;

namespace Credentials.Tests.Hosting;

/// <summary>A queue function that exists only in tests: it hands each message it is given to <see cref="ProbeQueueLog"/>.</summary>
public sealed class ProbeQueueFunctions(ProbeQueueLog log)
{
    [Function("ProbeQueue")]
    public void Take([QueueTrigger("%Probe:Queue%")] string message) => log.Record(message);
}

public sealed class ProbeQueueLog
{
    private readonly TaskCompletionSource<string> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<string> First => _first.Task;

    public void Record(string message) => _first.TrySetResult(message);
}
