using System.Security.Cryptography;
using System.Text;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.OAuthConnect;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Import;

/// <summary>
/// Takes over a grant another system holds (docs/operations.md, importing existing grants): the refresh token is proved
/// with one refresh at the provider before the connection is stored as active, so a dead token is never stored and a
/// rotating provider's old token is retired by the import itself. Idempotent per connection: the same import sent again
/// is recognised by its fingerprint and answered without a provider call; an in-use connection is only replaced on request.
/// </summary>
public sealed partial class GrantImporter(
    ProviderCatalog providers,
    ProviderEndpointResolver endpoints,
    ProviderTokenClient tokens,
    ConnectionStore store,
    ConnectionActivator activator,
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
        if (existing?.ImportFingerprint is { } stored && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(fingerprint)))
        {
            LogReplayed(logger, provider.Id);
            await AuditAsync(callerId, connection, "already_imported", correlationId, provider.Id, cancellationToken);
            return new ImportedGrant(existing, Replayed: true);
        }

        if (existing is { Status: not ConnectionStatus.ReauthorizationRequired } && !request.Replace)
        {
            return await RefuseAsync(callerId, connection, correlationId, new ImportFailure(ImportFailureReason.ConnectionActive,
                $"The connection is {existing.Status.ToName()} (provider {existing.ProviderId}); nothing was changed and the token was not used. " +
                "Send \"replace\": true to replace it."), "refused_in_use", cancellationToken);
        }

        var proved = await ProveAsync(provider, request.RefreshToken!, cancellationToken);
        if (!proved.Succeeded)
        {
            return await RefuseAsync(callerId, connection, correlationId, proved.Failure, "proof_failed", cancellationToken);
        }

        var grant = proved.Value;
        // A provider that does not rotate answers without a refresh token: the handed-over one stays the grant's.
        var issued = new IssuedTokens(grant.RefreshToken ?? request.RefreshToken!, grant.AccessToken, grant.AccessTokenExpiresAt, grant.TokenType, grant.InstanceUrl);
        var scopes = grant.GrantedScopes ?? request.Scopes ?? provider.Scopes;
        var record = await activator.ActivateAsync(connection.UserId, connection.ConnectionId, provider.Id, scopes, issued, cancellationToken, fingerprint);
        var outcome = existing is null ? "imported" : "imported_replacing";
        LogImported(logger, provider.Id, outcome, grant.RefreshToken is not null);
        await AuditAsync(callerId, connection, outcome, correlationId, $"{provider.Id}; rotated: {(grant.RefreshToken is null ? "no" : "yes")}", cancellationToken);
        return new ImportedGrant(record, Replayed: false);
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

    /// <summary>One refresh, never retried: a retry after a lost answer would present a token the provider may already have rotated.</summary>
    private async Task<Result<TokenGrant, ImportFailure>> ProveAsync(ProviderDefinition provider, string refreshToken, CancellationToken cancellationToken)
    {
        Result<TokenGrant, TokenFailure> response;
        try
        {
            response = await tokens.RefreshAsync(provider, await endpoints.ResolveAsync(provider, cancellationToken), refreshToken, null, cancellationToken);
        }
        catch (ProviderUnavailableException)
        {
            response = new TokenFailure(TokenFailureKind.Unavailable, "provider_unavailable");
        }

        if (response.Succeeded)
        {
            return response.Value;
        }

        var failure = response.Failure;
        return failure.Kind switch
        {
            TokenFailureKind.InvalidGrant => new ImportFailure(ImportFailureReason.GrantRejected,
                "The provider refused the refresh token (invalid_grant): it is revoked, expired, or was already used by a refresh. Nothing was stored."),
            TokenFailureKind.Unavailable => new ImportFailure(ImportFailureReason.ProviderUnavailable,
                $"The provider did not answer the proving refresh ({failure.ErrorCode}); nothing was stored. If it received the request, a rotating " +
                "provider may have rotated the token: see docs/operations.md before retrying.", failure.RetryAfter ?? TimeSpan.FromSeconds(30)),
            _ => new ImportFailure(ImportFailureReason.ProviderRejected, $"The provider refused the proving refresh ({failure.ErrorCode}); nothing was stored."),
        };
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

    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Grant of provider {ProviderId} imported ({Outcome}); the provider rotated it: {Rotated}")]
    private static partial void LogImported(ILogger logger, string providerId, string outcome, bool rotated);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Grant import refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, ImportFailureReason reason);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Grant import of provider {ProviderId} sent again; already imported, nothing changed")]
    private static partial void LogReplayed(ILogger logger, string providerId);
}
