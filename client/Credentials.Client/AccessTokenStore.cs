using System.Collections.Concurrent;

namespace Credentials.Client;

// <summary>
// What every client instance in the process shares (typed clients are created per use): the tokens served so far and
// the requests in flight, both per (user, connection, scope set).
// </summary>
internal sealed class AccessTokenStore(TimeProvider time)
{
    private readonly ConcurrentDictionary<TokenKey, (ProviderAccessToken Token, DateTimeOffset FetchedAt)> _tokens = new();
    private readonly ConcurrentDictionary<TokenKey, Task<AccessTokenResult>> _inFlight = new();

    // <summary>A cached token valid for <paramref name="minValidity"/> more and fetched less than <paramref name="maxAge"/> ago.</summary>
    public ProviderAccessToken? Find(TokenKey key, TimeSpan minValidity, TimeSpan maxAge)
    {
        var now = time.GetUtcNow();
        return _tokens.TryGetValue(key, out var entry) && entry.Token.ExpiresAt - minValidity > now && now - entry.FetchedAt < maxAge ? entry.Token : null;
    }

    public void Remember(TokenKey key, ProviderAccessToken token) => _tokens[key] = (token, time.GetUtcNow());

    public void Forget(TokenKey key) => _tokens.TryRemove(key, out _);

    // <summary>The request in flight for <paramref name="key"/>, or a new one; the entry lives until the request ends.</summary>
    public Task<AccessTokenResult> Join(TokenKey key, Func<Task<AccessTokenResult>> start)
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

    private async Task RunAsync(TokenKey key, Func<Task<AccessTokenResult>> start, TaskCompletionSource<AccessTokenResult> completion)
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
            _inFlight.TryRemove(new KeyValuePair<TokenKey, Task<AccessTokenResult>>(key, completion.Task));
        }
    }
}

// <summary>One cached token: a connection's full token (no scopes), or a narrower one of a scope set in ordinal order.</summary>
internal readonly record struct TokenKey(string UserId, string ConnectionId, string Scopes)
{
    public static TokenKey Of(string userId, string connectionId, IReadOnlyCollection<string>? scopes = null) =>
        new(userId, connectionId, scopes is null ? string.Empty : string.Join(' ', scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));
}
