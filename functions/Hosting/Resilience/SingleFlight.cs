using System.Collections.Concurrent;

namespace Credentials.Functions.Hosting.Resilience;

/// <summary>
/// At most one operation in flight per key: concurrent callers with the same key share the first caller's task. The
/// shared task belongs to no single caller, so a caller's cancellation only stops its own wait.
/// </summary>
public sealed class SingleFlight<TKey, TResult>(IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TResult>>> _inFlight = new(comparer);

    public async Task<TResult> RunAsync(TKey key, Func<Task<TResult>> start, CancellationToken cancellationToken)
    {
        // Lazy: GetOrAdd may run its factory more than once under contention, and only one operation may start.
        var shared = _inFlight.GetOrAdd(key, _ => new Lazy<Task<TResult>>(start));
        try
        {
            return await shared.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<TKey, Lazy<Task<TResult>>>(key, shared));
        }
    }
}
