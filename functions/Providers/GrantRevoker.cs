using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Providers;

/// <summary>
/// Revokes a refresh token at its provider (RFC 7009) where the provider has a revocation endpoint. Never throws for
/// what the provider says or whether it answers: the result is a short reason for the audit trail.
/// </summary>
public sealed partial class GrantRevoker(
    ProviderCatalog providers,
    ProviderEndpointResolver endpoints,
    ProviderTokenClient tokens,
    ILogger<GrantRevoker> logger)
{
    /// <summary>revoked, not_supported, unknown_provider, or <c>revocation_failed:</c> and why.</summary>
    public async Task<string> RevokeAsync(string providerId, Func<CancellationToken, ValueTask<string>> readRefreshToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readRefreshToken);
        if (providers.Find(providerId) is not { } provider)
        {
            return "unknown_provider";
        }

        try
        {
            var resolved = await endpoints.ResolveAsync(provider, cancellationToken);
            if (resolved.RevocationEndpoint is not { } revocationEndpoint)
            {
                return "not_supported";
            }

            var refreshToken = await readRefreshToken(cancellationToken);
            var failure = await tokens.RevokeAsync(provider, revocationEndpoint, refreshToken, "refresh_token", cancellationToken);
            return failure is null ? "revoked" : "revocation_failed:" + failure.ErrorCode;
        }
        catch (ProviderUnavailableException)
        {
            LogRevocationSkipped(logger, providerId);
            return "revocation_failed:provider_unavailable";
        }
        catch (Crypto.CredentialDecryptionException)
        {
            return "revocation_failed:undecryptable";
        }
    }

    /// <summary>
    /// Revokes a refresh token the service is dropping while it keeps another grant of the same user: not where revoking
    /// one token ends the whole grant (<see cref="ProviderDefinition.RevocationEndsGrant"/>), which would end the kept one.
    /// </summary>
    public Task<string> RevokeDroppedAsync(string providerId, string refreshToken, CancellationToken cancellationToken) =>
        RevokeDroppedAsync(providerId, _ => ValueTask.FromResult(refreshToken), cancellationToken);

    /// <summary>
    /// The same for a token read on demand: a pending connection discarded (never completed, or completed by someone else)
    /// must not end the grant of the user's live connection to the same provider, which an attacker could otherwise
    /// trigger by having the user consent to the attacker's flow.
    /// </summary>
    public Task<string> RevokeDroppedAsync(string providerId, Func<CancellationToken, ValueTask<string>> readRefreshToken, CancellationToken cancellationToken) =>
        providers.Find(providerId) is { RevocationEndsGrant: true }
            ? Task.FromResult("not_revoked:revocation_ends_grant")
            : RevokeAsync(providerId, readRefreshToken, cancellationToken);

    [LoggerMessage(EventId = 5100, Level = LogLevel.Warning, Message = "Could not revoke a {ProviderId} token: provider metadata unavailable; discarding it anyway")]
    private static partial void LogRevocationSkipped(ILogger logger, string providerId);
}
