using System.Collections.Concurrent;

namespace Credentials.Client;

/// <summary>
/// What every client instance in the process shares (typed clients are created per use): the tokens served so far and
/// the requests in flight, both per (user, connection).
/// </summary>
internal sealed class AccessTokenStore(TimeProvider time)
{
    private readonly ConcurrentDictionary<(string UserId, string ConnectionId), ProviderAccessToken> _tokens = new();
    private readonly ConcurrentDictionary<(string UserId, string ConnectionId), Task<AccessTokenResult>> _inFlight = new();

    public ProviderAccessToken? Find((string UserId, string ConnectionId) key, TimeSpan minValidity) =>
        _tokens.TryGetValue(key, out var token) && token.ExpiresAt - minValidity > time.GetUtcNow() ? token : null;

    public void Remember((string UserId, string ConnectionId) key, ProviderAccessToken token) => _tokens[key] = token;

    public void Forget((string UserId, string ConnectionId) key) => _tokens.TryRemove(key, out _);

    /// <summary>The request in flight for <paramref name="key"/>, or a new one; the entry lives until the request ends.</summary>
    public Task<AccessTokenResult> Join((string UserId, string ConnectionId) key, Func<Task<AccessTokenResult>> start)
    {
        while (true)
        {
            if (_inFlight.TryGetValue(key, out var running))
            {
                return running;
            }

            var completion = new TaskCompletionSource<AccessTokenResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight.TryAdd(key, completion.Task))
            {
                _ = RunAsync(key, start, completion);
                return completion.Task;
            }
        }
    }

    private async Task RunAsync((string UserId, string ConnectionId) key, Func<Task<AccessTokenResult>> start, TaskCompletionSource<AccessTokenResult> completion)
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
            _inFlight.TryRemove(new KeyValuePair<(string, string), Task<AccessTokenResult>>(key, completion.Task));
        }
    }
}
