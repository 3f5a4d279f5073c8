using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.OAuthConnect;

/// <summary>Why a completion did not connect anything.</summary>
public enum CompletionFailure
{
    /// <summary>No pending connection for this code, user and connection: never issued, already used, or not theirs.</summary>
    InvalidCompletion,

    CompletionExpired,

    /// <summary>The pending connection is bound to the browser that consented and the request does not carry that browser's cookie.</summary>
    BrowserMismatch,
}

/// <summary>
/// Turns a pending connection into an active one for the user it was started for, who must present the one-time code
/// the callback issued, and, when it is bound to the browser that consented, that browser's binding cookie. Without
/// the cookie nothing is taken: a code that leaked out of that browser can neither link the account nor destroy the
/// pending connection. Otherwise the code is taken whatever happens next; a pending connection that is presented by the
/// wrong user, for the wrong connection or too late is discarded and its grant revoked at the provider.
/// </summary>
public sealed partial class ConnectionCompleter(
    PendingConnectionStore pendings,
    CredentialCipher cipher,
    ConnectionActivator activator,
    GrantRevoker revoker,
    AuditLog audit,
    TimeProvider time,
    ILogger<ConnectionCompleter> logger)
{
    private const int MaxCompletionLength = 128;

    /// <param name="browserBinding">The request's binding cookie value, if it carries one.</param>
    public async Task<Result<ConnectionRecord, CompletionFailure>> CompleteAsync(
        string callerId, string userId, string connectionId, string completionCode, string? browserBinding, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completionCode);
        var hash = completionCode.Length is > 0 and <= MaxCompletionLength ? PendingConnectionStore.HashOf(completionCode) : null;
        var found = hash is null ? null : await pendings.FindAsync(hash, cancellationToken);
        if (found?.BrowserBindingHash is { } bindingHash && !BrowserBindingCookie.Matches(browserBinding, bindingHash))
        {
            LogCompletionRejected(logger, CompletionFailure.BrowserMismatch);
            await audit.AppendAsync(new AuditEvent(callerId, userId, connectionId, AuditActions.Connect, "completion_browser_mismatch", correlationId,
                time.GetUtcNow(), found.ProviderId), cancellationToken);
            return CompletionFailure.BrowserMismatch;
        }

        // Rows are only ever added and deleted, so the row taken is the one just checked, or none if another completion won.
        var pending = found is null ? null : await pendings.TakeAsync(hash!, cancellationToken);
        CompletionFailure? failure = pending switch
        {
            null => CompletionFailure.InvalidCompletion,
            _ when !string.Equals(pending.UserId, userId, StringComparison.Ordinal)
                || !string.Equals(pending.ConnectionId, connectionId, StringComparison.Ordinal) => CompletionFailure.InvalidCompletion,
            _ when pending.ExpiresAt <= time.GetUtcNow() => CompletionFailure.CompletionExpired,
            _ => null,
        };

        if (failure is { } status)
        {
            var revocation = pending is null ? null : await DiscardAsync(pending, cancellationToken);
            LogCompletionRejected(logger, status);
            await audit.AppendAsync(new AuditEvent(callerId, userId, connectionId, AuditActions.Connect,
                status == CompletionFailure.CompletionExpired ? "completion_expired" : "completion_rejected", correlationId, time.GetUtcNow(), revocation), cancellationToken);
            return status;
        }

        var tokens = new IssuedTokens(
            await cipher.DecryptAsync(pending!.RefreshTokenEnvelope, pending.ContextFor(SecretField.RefreshToken), cancellationToken),
            pending.AccessTokenEnvelope is null ? null : await cipher.DecryptAsync(pending.AccessTokenEnvelope, pending.ContextFor(SecretField.AccessToken), cancellationToken),
            pending.AccessTokenExpiresAt,
            pending.AccessTokenType,
            pending.InstanceUrl);
        var record = await activator.ActivateAsync(userId, connectionId, pending.ProviderId, pending.Scopes, tokens, pending.Metadata, cancellationToken);
        LogCompleted(logger, pending.ProviderId);
        await audit.AppendAsync(new AuditEvent(callerId, userId, connectionId, AuditActions.Connect, "connected", correlationId, time.GetUtcNow(),
            $"{pending.ProviderId} completed; started by {pending.StartedBy}"), cancellationToken);
        return record;
    }

    /// <summary>Removes pending connections that were never completed, revoking their grants. Returns how many.</summary>
    public async Task<int> DiscardExpiredAsync(CancellationToken cancellationToken)
    {
        var discarded = 0;
        await foreach (var pending in pendings.TakeExpiredAsync(time.GetUtcNow(), cancellationToken))
        {
            var revocation = await DiscardAsync(pending, cancellationToken);
            await audit.AppendAsync(new AuditEvent("maintenance", pending.UserId, pending.ConnectionId, AuditActions.Connect, "completion_expired",
                "maintenance", time.GetUtcNow(), revocation), cancellationToken);
            discarded++;
        }

        return discarded;
    }

    /// <summary>
    /// The row is already gone; what is left is to make the provider forget the grant too, unless revoking it would end
    /// the user's live connection to that provider as well (<see cref="GrantRevoker.RevokeDroppedAsync(string, Func{CancellationToken, ValueTask{string}}, CancellationToken)"/>).
    /// </summary>
    private Task<string> DiscardAsync(PendingConnection pending, CancellationToken cancellationToken) =>
        revoker.RevokeDroppedAsync(pending.ProviderId, token => cipher.DecryptAsync(pending.RefreshTokenEnvelope, pending.ContextFor(SecretField.RefreshToken), token), cancellationToken);

    [LoggerMessage(EventId = 3120, Level = LogLevel.Information, Message = "Pending connection to provider {ProviderId} completed by its user")]
    private static partial void LogCompleted(ILogger logger, string providerId);

    [LoggerMessage(EventId = 3121, Level = LogLevel.Warning, Message = "Connection completion rejected: {Status}")]
    private static partial void LogCompletionRejected(ILogger logger, CompletionFailure status);
}
