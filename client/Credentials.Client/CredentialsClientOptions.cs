namespace Credentials.Client;

/// <summary>How to reach the Credentials service, how this service proves who it is, and how long a call may take.</summary>
public sealed class CredentialsClientOptions
{
    /// <summary>
    /// The service's base URL without <c>api/</c>, e.g. <c>https://credentials.example.com/</c> or, against <c>./run.sh</c>,
    /// <c>http://127.0.0.1:7071/</c>: the client adds <c>api/…</c> to it.
    /// </summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// This service's own bearer token (an Authress service-client token, an Entra token …), asked for on every request
    /// that reaches the service; cache it in the source. Required. An exception it throws becomes the outcome
    /// <see cref="AccessTokenStatus.CallerTokenFailed"/>, never an exception of the call.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? CallerToken { get; set; }

    /// <summary>A served token stays valid at least this long unless a call asks for another margin (at most one hour).</summary>
    public TimeSpan DefaultMinValidity { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A 503 whose <c>Retry-After</c> is at most this long is retried inside the call; a longer one is returned.</summary>
    public TimeSpan MaxRetryAfterWithinCall { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long this process serves a token from its cache before asking the service again, however long the token lasts:
    /// a token of a connection that was disconnected meanwhile is handed out at most this long. <see cref="TimeSpan.Zero"/>
    /// asks the service every time (the service's own cache still answers at once).
    /// </summary>
    public TimeSpan MaxCacheAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest a token call takes, retries included; then it returns <see cref="AccessTokenStatus.Unavailable"/> (<c>service_timeout</c>).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest one attempt of a token call waits for the service's answer (a refresh at the provider happens inside it).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many times a transient failure (unreachable, 5xx, 408, a short 503/429) is retried within a token call; 0: never.</summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>The first retry's delay; each further retry waits twice as long (with jitter).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a TCP connection to the service may take to open, for token calls and proxy calls alike.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The <see cref="AccessTokenResult.RetryAfter"/> of an <see cref="AccessTokenStatus.Unavailable"/> outcome whose answer
    /// named no <c>Retry-After</c> (the service unreachable or too slow, a 502 …), and of a proxy answer the client makes.
    /// </summary>
    public TimeSpan UnavailableRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest a proxy call waits for the response's headers; then it answers a 504 problem (<c>service_timeout</c>) made
    /// by the client. The provider's own time counts, so keep it above the service's <c>Proxy__Timeout</c> (60 s), and below
    /// the proxy <see cref="HttpClient"/>'s own <see cref="HttpClient.Timeout"/> (100 s), which also bounds reading a buffered body.
    /// </summary>
    public TimeSpan ProxyTimeout { get; set; } = TimeSpan.FromSeconds(70);
}
