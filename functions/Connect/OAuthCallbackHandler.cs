using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Functions.Events;
using Credentials.Functions.Providers;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Connect;

/// <summary>Query parameters of an authorization response (RFC 6749 §4.1.2, RFC 9207).</summary>
public sealed record AuthorizationResponse(string? State, string? Code, string? Error, string? Issuer);

/// <summary>
/// Completes the authorization-code flow: the state is consumed first (single use, whatever happens next), then checked
/// against the provider in the path and the <c>iss</c> parameter, then the code is exchanged with the PKCE verifier and
/// the tokens are stored. Nothing is written to the connection unless every check passed and a refresh token arrived.
/// </summary>
public sealed partial class OAuthCallbackHandler(
    OAuthStateStore states,
    ProviderCatalog providers,
    ProviderEndpointResolver endpoints,
    ProviderTokenClient tokens,
    CredentialCipher cipher,
    ConnectionStore store,
    ConnectionSecrets secrets,
    AuditLog audit,
    ConnectionStatusEvents events,
    TimeProvider time,
    ILogger<OAuthCallbackHandler> logger)
{
    private const int MaxWriteAttempts = 5;

    public async Task<CallbackOutcome> HandleAsync(string providerId, AuthorizationResponse response, string correlationId, CancellationToken cancellationToken)
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
            : await CompleteAsync(providerId, response, state, cancellationToken);
        await audit.AppendAsync(new AuditEvent(state.StartedBy, state.UserId, state.ConnectionId, AuditActions.Connect,
            outcome.Connected ? "connected" : "failed", correlationId, time.GetUtcNow(), outcome.Error ?? state.ProviderId), cancellationToken);
        return outcome;
    }

    private async Task<CallbackOutcome> CompleteAsync(string providerId, AuthorizationResponse response, OAuthState state, CancellationToken cancellationToken)
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
        if (exchanged.Grant is not { } grant)
        {
            return Fail(exchanged.Failure!.Kind == TokenFailureKind.Unavailable ? CallbackErrors.ProviderUnavailable : CallbackErrors.ExchangeFailed, state, providerId);
        }

        if (grant.RefreshToken is null)
        {
            return Fail(CallbackErrors.NoRefreshToken, state, providerId);
        }

        await SaveAsync(state, grant, cancellationToken);
        LogConnected(logger, state.ProviderId);
        return new CallbackOutcome(null, state, providerId);
    }

    /// <summary>Creates the connection, or replaces the tokens of an existing one (reconnect), retrying on concurrent writes.</summary>
    private async Task SaveAsync(OAuthState state, TokenGrant grant, CancellationToken cancellationToken)
    {
        var scopes = grant.GrantedScopes ?? state.Scopes;
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await store.GetAsync(state.UserId, state.ConnectionId, cancellationToken);
            var record = (existing ?? new ConnectionRecord
            {
                UserId = state.UserId,
                ConnectionId = state.ConnectionId,
                ProviderId = state.ProviderId,
                CreatedAt = now,
                UpdatedAt = now,
                RefreshTokenEnvelope = [],
            }) with
            {
                ProviderId = state.ProviderId,
                Scopes = scopes,
                Status = ConnectionStatus.Active,
                UpdatedAt = now,
                LastRefreshSucceededAt = now,
                FailingSince = null,
                ConsecutiveFailures = 0,
                LastErrorCode = null,
                NextRefreshAllowedAt = null,
                LeaseOwner = null,
                LeaseExpiresAt = null,
            };
            record = await secrets.WithTokensAsync(record, grant.RefreshToken!, grant.AccessToken, grant.AccessTokenExpiresAt, grant.TokenType, cancellationToken);
            var written = existing is null ? await store.AddAsync(record, cancellationToken) : await store.ReplaceAsync(record, cancellationToken);
            if (written.Status == WriteStatus.Written)
            {
                await events.PublishIfChangedAsync(existing, written.Record, "connected", cancellationToken);
                return;
            }

            if (attempt == MaxWriteAttempts)
            {
                throw new InvalidOperationException($"The connection could not be saved after {MaxWriteAttempts} concurrent-write retries.");
            }
        }
    }

    private CallbackOutcome Fail(string error, OAuthState? state, string providerId)
    {
        LogCallbackRejected(logger, Identifiers.IsValid(providerId) ? providerId : "(invalid id)", error);
        return new CallbackOutcome(error, state, providerId);
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Connection to provider {ProviderId} authorized and stored")]
    private static partial void LogConnected(ILogger logger, string providerId);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "OAuth callback for provider {ProviderId} rejected: {ErrorCode}")]
    private static partial void LogCallbackRejected(ILogger logger, string providerId, string errorCode);
}
