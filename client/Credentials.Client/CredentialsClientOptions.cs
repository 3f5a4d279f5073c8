namespace Credentials.Client;

/// <summary>How to reach the Credentials service and how this service proves who it is.</summary>
public sealed class CredentialsClientOptions
{
    /// <summary>The service's base URL, e.g. <c>https://credentials.example.com/</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// This service's own bearer token (an Authress service-client token, an Entra token …), asked for on every request
    /// that reaches the service; cache it in the source. Required.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? CallerToken { get; set; }

    /// <summary>A served token stays valid at least this long unless a call asks for another margin.</summary>
    public TimeSpan DefaultMinValidity { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A 503 whose <c>Retry-After</c> is at most this long is retried inside the call; a longer one is returned.</summary>
    public TimeSpan MaxRetryAfterWithinCall { get; set; } = TimeSpan.FromSeconds(5);
}
