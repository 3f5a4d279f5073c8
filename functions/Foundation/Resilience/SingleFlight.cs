using System.Collections.Concurrent;

namespace Credentials.Functions.Foundation.Resilience;

/// <summary>
/// At most one operation in flight per key: concurrent callers with the same key share the first caller's task until it
/// completes. The shared task belongs to no single caller: a caller's cancellation only stops its own wait, and the
/// operation keeps running (a refresh that rotated a token must still store it), so no second one starts meanwhile.
/// </summary>
internal sealed class SingleFlight<TKey, TResult>(IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Task<TResult>> _inFlight = new(comparer);

    public Task<TResult> RunAsync(TKey key, Func<Task<TResult>> start, CancellationToken cancellationToken) =>
        Join(key, start, out _).WaitAsync(cancellationToken);

    /// <summary>The operation in flight for <paramref name="key"/>, or a new one from <paramref name="start"/>.</summary>
    /// <param name="started">True for the caller whose call started the operation; false for callers that joined it.</param>
    public Task<TResult> Join(TKey key, Func<Task<TResult>> start, out bool started)
    {
        ArgumentNullException.ThrowIfNull(start);
        while (true)
        {
            if (_inFlight.TryGetValue(key, out var running))
            {
                started = false;
                return running;
            }

            var completion = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight.TryAdd(key, completion.Task))
            {
                started = true;
                _ = RunAndForgetAsync(key, start, completion);
                return completion.Task;
            }
        }
    }

    private async Task RunAndForgetAsync(TKey key, Func<Task<TResult>> start, TaskCompletionSource<TResult> completion)
    {
        try
        {
            completion.SetResult(await start());
        }
        catch (Exception exception)
        {
            completion.SetException(exception);
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<TKey, Task<TResult>>(key, completion.Task));
        }
    }
}
