using System.Security.Cryptography;
using System.Text;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Import;

/// <summary>
/// Takes over a grant another system holds (docs/operations.md, importing existing grants). The handed-over refresh token
/// is stored first, encrypted, as a connection that is not usable yet (<see cref="ConnectionStatus.Importing"/>), with a
/// conditional write (insert if absent, or replace the version read when replacing was asked); only then is it proved,
/// by the refresh engine's own refresh (lease, persist retried while the process lives), whose write makes it active
/// (<see cref="ImportProof"/>). So no rotated token ever exists only in memory outside that protocol, and a connect that
/// lands meanwhile is never overwritten. Idempotent per connection: the same import sent again is recognised by its
/// fingerprint: answered as it is when done, finished when left pending.
/// </summary>
public sealed partial class GrantImporter(
    ProviderCatalog providers,
    ConnectionStore store,
    ConnectionSecrets secrets,
    ImportProof proof,
    AuditLog audit,
    TimeProvider time,
    ILogger<GrantImporter> logger)
{
    public const int MaxRefreshTokenLength = 4096;
    public const int MaxScopes = 100;
    public const int MaxScopeLength = 256;

    public async Task<Result<ImportedGrant, ImportFailure>> ImportAsync(
        string callerId, ConnectionKey connection, ImportGrantRequest request, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Validate(request) is { } invalid)
        {
            return await RefuseAsync(callerId, connection, correlationId, invalid, "invalid_request", cancellationToken);
        }

        if (providers.Find(request.Provider!) is not { } provider)
        {
            return await RefuseAsync(callerId, connection, correlationId,
                new ImportFailure(ImportFailureReason.UnknownProvider, $"Configured providers: {string.Join(", ", providers.All.Select(p => p.Id))}."),
                "unknown_provider", cancellationToken);
        }

        var fingerprint = FingerprintOf(connection, request.RefreshToken!);
        var existing = await store.GetAsync(connection, cancellationToken);
        var attempt = new ImportAttempt(callerId, connection, correlationId, fingerprint, provider.Id);
        if (existing is not null && ImportProof.IsThisImport(existing, attempt))
        {
            return await SentAgainAsync(attempt, existing, cancellationToken);
        }

        if (existing is { Status: not ConnectionStatus.ReauthorizationRequired } && !request.Replace)
        {
            return await RefuseAsync(callerId, connection, correlationId, new ImportFailure(ImportFailureReason.ConnectionActive,
                $"The connection is {existing.Status.ToName()} (provider {existing.ProviderId}); nothing was changed and the token was not used. " +
                "Send \"replace\": true to replace it."), "refused_in_use", cancellationToken);
        }

        var now = time.GetUtcNow();
        var pending = await secrets.WithTokensAsync(new ConnectionRecord
        {
            UserId = connection.UserId,
            ConnectionId = connection.ConnectionId,
            ProviderId = provider.Id,
            Scopes = request.Scopes ?? provider.Scopes,
            Status = ConnectionStatus.Importing,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
            GrantedAt = now,
            ImportFingerprint = fingerprint,
            Metadata = existing?.Metadata ?? MetadataTags.None,
            RefreshTokenEnvelope = [],
            ETag = existing?.ETag,
        }, request.RefreshToken!, null, null, null, cancellationToken);

        // Insert if absent, or replace exactly the version the checks above read: a connect (or another import) that
        // landed since is never overwritten.
        var written = existing is null ? await store.AddAsync(pending, null, cancellationToken) : await store.ReplaceAsync(pending, null, cancellationToken);
        if (!written.Succeeded)
        {
            LogLostRace(logger, provider.Id, written.Status);
            return await RefuseAsync(callerId, connection, correlationId, new ImportFailure(ImportFailureReason.ConnectionActive,
                "The connection was created or changed while this import was checked (a connect or another import landed first); nothing of this " +
                "import was stored and the token was not used. Look at the connection, and send \"replace\": true to replace it."), "lost_race",
                cancellationToken);
        }

        LogStoredPending(logger, provider.Id);
        return await proof.ProveAsync(attempt, written.Record!, existing, cancellationToken);
    }

    /// <summary>The same import again: answered as stored when it is done, its proof finished when it was left pending.</summary>
    private async Task<Result<ImportedGrant, ImportFailure>> SentAgainAsync(ImportAttempt attempt, ConnectionRecord existing, CancellationToken cancellationToken)
    {
        switch (existing.Status)
        {
            case ConnectionStatus.Importing:
                LogResumed(logger, existing.ProviderId);
                return await proof.ProveAsync(attempt, existing, null, cancellationToken);
            case ConnectionStatus.ReauthorizationRequired:
                // Its proof was refused and the clean-up did not happen (a crash, or the maintenance walk proved it).
                return await proof.RefusedAsync(attempt, existing, null, cancellationToken);
            default:
                LogReplayed(logger, existing.ProviderId);
                await AuditAsync(attempt, "already_imported", existing.ProviderId, cancellationToken);
                return new ImportedGrant(existing, Replayed: true);
        }
    }

    /// <summary>Ties the handed-over token to this connection; a refresh token is long and random, so its hash gives nothing away.</summary>
    internal static string FingerprintOf(ConnectionKey connection, string refreshToken) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"import\n{connection.UserId}\n{connection.ConnectionId}\n{refreshToken}")));

    private static ImportFailure? Validate(ImportGrantRequest request)
    {
        if (request.Provider is not { Length: > 0 })
        {
            return new ImportFailure(ImportFailureReason.InvalidRequest, "\"provider\" is required: the id of a configured provider.");
        }

        if (request.RefreshToken is not { Length: > 0 and <= MaxRefreshTokenLength } token || token.Any(char.IsWhiteSpace))
        {
            return new ImportFailure(ImportFailureReason.InvalidRequest,
                $"\"refreshToken\" is required: the grant's refresh token, 1 to {MaxRefreshTokenLength} characters without white space.");
        }

        if (request.Scopes is { } scopes && (scopes.Count > MaxScopes
            || scopes.Any(scope => scope is not { Length: > 0 and <= MaxScopeLength } || scope.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))))
        {
            return new ImportFailure(ImportFailureReason.InvalidRequest,
                $"\"scopes\" holds at most {MaxScopes} scopes of 1 to {MaxScopeLength} characters without white space.");
        }

        return request.AccessToken is { Length: 0 or > MaxRefreshTokenLength * 2 }
            ? new ImportFailure(ImportFailureReason.InvalidRequest, "\"accessToken\", when given, is a non-empty token.")
            : null;
    }

    private async Task<Result<ImportedGrant, ImportFailure>> RefuseAsync(
        string callerId, ConnectionKey connection, string correlationId, ImportFailure failure, string outcome, CancellationToken cancellationToken)
    {
        LogRefused(logger, failure.Reason);
        await AuditAsync(callerId, connection, outcome, correlationId, failure.Reason.ToString(), cancellationToken);
        return failure;
    }

    private Task AuditAsync(string callerId, ConnectionKey connection, string outcome, string correlationId, string? reason, CancellationToken cancellationToken) =>
        audit.AppendAsync(new AuditEvent(callerId, connection.UserId, connection.ConnectionId, AuditActions.Import, outcome, correlationId, time.GetUtcNow(), reason),
            cancellationToken);

    private Task AuditAsync(ImportAttempt attempt, string outcome, string? reason, CancellationToken cancellationToken) =>
        AuditAsync(attempt.CallerId, attempt.Connection, outcome, attempt.CorrelationId, reason, cancellationToken);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Grant import refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, ImportFailureReason reason);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Grant import of provider {ProviderId} sent again; already imported, nothing changed")]
    private static partial void LogReplayed(ILogger logger, string providerId);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Grant of provider {ProviderId} stored for import, not usable until its proving refresh")]
    private static partial void LogStoredPending(ILogger logger, string providerId);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Grant import of provider {ProviderId} lost the race to another write of the connection ({Status}); nothing stored")]
    private static partial void LogLostRace(ILogger logger, string providerId, WriteStatus status);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "Grant import of provider {ProviderId} sent again while pending; finishing its proof")]
    private static partial void LogResumed(ILogger logger, string providerId);
}
