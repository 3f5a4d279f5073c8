using Credentials.Functions.Audit;
using Credentials.Functions.Crypto;
using Credentials.Functions.Foundation;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.OAuthConnect;

/// <summary>Query parameters of an authorization response (RFC 6749 §4.1.2, RFC 9207).</summary>
public sealed record AuthorizationResponse(string? State, string? Code, string? Error, string? Issuer);

/// <summary>
/// Completes the authorization-code flow: the state is consumed first (single use, whatever happens next), then checked
/// against the provider in the path and the <c>iss</c> parameter, then the code is exchanged with the PKCE verifier and
/// the tokens are stored: as a pending connection for its user to complete, or (<see cref="CompletionMode.Callback"/>) as
/// the connection itself. Nothing is written unless every check passed and a refresh token arrived.
/// </summary>
public sealed partial class OAuthCallbackHandler(
    OAuthStateStore states,
    ProviderCatalog providers,
    ProviderEndpointResolver endpoints,
    ProviderTokenClient tokens,
    CredentialCipher cipher,
    ConnectionActivator activator,
    PendingConnectionStore pendings,
    IOptions<ConnectOptions> connect,
    AuditLog audit,
    TimeProvider time,
    ILogger<OAuthCallbackHandler> logger)
{
    /// <param name="browserBinding">The cookie value to bind a browser-completed pending connection to (the browser's own, or a new one).</param>
    public async Task<CallbackOutcome> HandleAsync(
        string providerId, AuthorizationResponse response, string browserBinding, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (string.IsNullOrEmpty(response.State))
        {
            return Fail(CallbackErrors.InvalidState, null, providerId);
        }

        var (consumption, state) = await states.ConsumeAsync(response.State, time.GetUtcNow(), cancellationToken);
        if (consumption == StateConsumption.Unknown || state is null)
        {
            return Fail(CallbackErrors.InvalidState, null, providerId);
        }

        var outcome = consumption == StateConsumption.Expired
            ? Fail(CallbackErrors.StateExpired, state, providerId)
            : await CompleteAsync(providerId, response, state, browserBinding, cancellationToken);
        await audit.AppendAsync(new AuditEvent(state.StartedBy, state.UserId, state.ConnectionId, AuditActions.Connect,
            outcome.Pending ? "pending" : outcome.Succeeded ? "connected" : "failed", correlationId, time.GetUtcNow(), outcome.Error ?? state.ProviderId), cancellationToken);
        return outcome;
    }

    private async Task<CallbackOutcome> CompleteAsync(
        string providerId, AuthorizationResponse response, OAuthState state, string browserBinding, CancellationToken cancellationToken)
    {
        if (!string.Equals(providerId, state.ProviderId, StringComparison.Ordinal))
        {
            return Fail(CallbackErrors.ProviderMismatch, state, providerId);
        }

        if (providers.Find(state.ProviderId) is not { } provider)
        {
            return Fail(CallbackErrors.ProviderError, state, providerId);
        }

        ProviderEndpoints resolved;
        try
        {
            resolved = await endpoints.ResolveAsync(provider, cancellationToken);
        }
        catch (ProviderUnavailableException)
        {
            return Fail(CallbackErrors.ProviderUnavailable, state, providerId);
        }

        // RFC 9207: a response from another issuer (mix-up) or one missing iss where it is promised is refused.
        if (response.Issuer is not null ? !resolved.IsIssuer(response.Issuer) : resolved.RequireIssuerParameter)
        {
            return Fail(CallbackErrors.IssuerMismatch, state, providerId);
        }

        if (response.Error is not null)
        {
            return Fail(response.Error == CallbackErrors.AccessDenied ? CallbackErrors.AccessDenied : CallbackErrors.ProviderError, state, providerId);
        }

        if (string.IsNullOrEmpty(response.Code))
        {
            return Fail(CallbackErrors.InvalidCallback, state, providerId);
        }

        var verifier = state.PkceVerifierEnvelope is null
            ? null
            : await cipher.DecryptAsync(state.PkceVerifierEnvelope, OAuthState.VerifierContext(state.StateHash), cancellationToken);
        var exchanged = await tokens.ExchangeCodeAsync(provider, resolved, response.Code, state.RedirectUri, verifier, cancellationToken);
        if (!exchanged.Succeeded)
        {
            return Fail(exchanged.Failure.Kind == TokenFailureKind.Unavailable ? CallbackErrors.ProviderUnavailable : CallbackErrors.ExchangeFailed, state, providerId);
        }

        var grant = exchanged.Value;
        if (grant.RefreshToken is null)
        {
            return Fail(CallbackErrors.NoRefreshToken, state, providerId);
        }

        var bound = state.Binding == CompletionBinding.Browser ? browserBinding : null;
        var completionCode = await StoreAsync(state, grant, bound, cancellationToken);
        LogAuthorized(logger, state.ProviderId, completionCode is null ? "stored" : "pending completion by its user");
        return new CallbackOutcome(null, state, providerId, completionCode, completionCode is null ? null : bound, grant.Account);
    }

    /// <summary>
    /// In <see cref="CompletionMode.User"/> the tokens wait, encrypted, for the user to complete with the returned code;
    /// an active connection with the same id keeps serving its old grant until then.
    /// </summary>
    private async Task<string?> StoreAsync(OAuthState state, TokenGrant grant, string? browserBinding, CancellationToken cancellationToken)
    {
        var scopes = grant.GrantedScopes ?? state.Scopes;
        if (connect.Value.Completion == CompletionMode.Callback)
        {
            await activator.ActivateAsync(state.UserId, state.ConnectionId, state.ProviderId, scopes,
                new IssuedTokens(grant.RefreshToken!, grant.AccessToken, grant.AccessTokenExpiresAt, grant.TokenType, grant.InstanceUrl), state.Metadata, cancellationToken);
            return null;
        }

        var completionCode = PendingConnectionStore.NewCompletionCode();
        var hash = PendingConnectionStore.HashOf(completionCode);
        var now = time.GetUtcNow();
        await pendings.AddAsync(new PendingConnection
        {
            CompletionHash = hash,
            UserId = state.UserId,
            ConnectionId = state.ConnectionId,
            ProviderId = state.ProviderId,
            Scopes = scopes,
            StartedBy = state.StartedBy,
            CreatedAt = now,
            ExpiresAt = now + connect.Value.CompletionLifetime,
            RefreshTokenEnvelope = await cipher.EncryptAsync(grant.RefreshToken!, PendingConnection.ContextFor(hash, SecretField.RefreshToken), cancellationToken),
            AccessTokenEnvelope = await cipher.EncryptAsync(grant.AccessToken, PendingConnection.ContextFor(hash, SecretField.AccessToken), cancellationToken),
            AccessTokenExpiresAt = grant.AccessTokenExpiresAt,
            AccessTokenType = grant.TokenType,
            InstanceUrl = grant.InstanceUrl,
            BrowserBindingHash = browserBinding is null ? null : BrowserBindingCookie.HashOf(browserBinding),
            Account = grant.Account,
            Metadata = state.Metadata,
        }, cancellationToken);
        return completionCode;
    }

    private CallbackOutcome Fail(string error, OAuthState? state, string providerId)
    {
        LogCallbackRejected(logger, Identifiers.IsValid(providerId) ? providerId : "(invalid id)", error);
        return new CallbackOutcome(error, state, providerId);
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "Connection to provider {ProviderId} authorized: {Disposition}")]
    private static partial void LogAuthorized(ILogger logger, string providerId, string disposition);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "OAuth callback for provider {ProviderId} rejected: {ErrorCode}")]
    private static partial void LogCallbackRejected(ILogger logger, string providerId, string errorCode);
}
