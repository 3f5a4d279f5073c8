namespace Credentials.Functions.OAuthConnect;

/// <summary>Stable error codes the callback reports to the return URL (<c>error=</c>) or its result page.</summary>
internal static class CallbackErrors
{
    public const string InvalidState = "invalid_state";
    public const string StateExpired = "state_expired";
    public const string ProviderMismatch = "provider_mismatch";
    public const string IssuerMismatch = "issuer_mismatch";
    public const string AccessDenied = "access_denied";
    public const string ProviderError = "provider_error";
    public const string InvalidCallback = "invalid_callback";
    public const string ExchangeFailed = "exchange_failed";
    public const string NoRefreshToken = "no_refresh_token";
    public const string ProviderUnavailable = "provider_unavailable";
}

/// <summary>
/// What a callback achieved. <see cref="State"/> is set once the state proved authentic, and only then is its return URL
/// trusted; <see cref="Error"/> is null on success. <see cref="CompletionCode"/> is set when the connection waits for its
/// user to complete it (<see cref="CompletionMode.User"/>), and is a secret; so is <see cref="BrowserBinding"/>, the
/// cookie value the pending connection was bound to (null when the application's server completes).
/// <see cref="Account"/> names the provider account that consented, where the provider said.
/// </summary>
public sealed record CallbackOutcome(
    string? Error, OAuthState? State, string? ProviderId, string? CompletionCode = null, string? BrowserBinding = null, string? Account = null)
{
    public bool Succeeded => Error is null;

    public bool Pending => Succeeded && CompletionCode is not null;

    public override string ToString() => $"CallbackOutcome {{ Error = {Error}, ProviderId = {ProviderId}, Pending = {Pending} }}";
}
