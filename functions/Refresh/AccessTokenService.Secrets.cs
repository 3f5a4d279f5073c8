using Credentials.Functions.Connections;
using Credentials.Functions.Providers;

namespace Credentials.Functions.Refresh;

/// <summary>The API-key and basic connections: their secret is never refreshed, only decrypted and, where allowed, handed out.</summary>
public sealed partial class AccessTokenService
{
    /// <summary>The provider's setting has no say here: a connection of a kind its provider no longer has is refused.</summary>
    public const string ProviderKindChanged = "provider_kind_changed";

    /// <summary>
    /// The secret as its credential (<see cref="SecretUsage.Credential"/>), for the proxy always and for a hand-out only
    /// when the provider allows it. It does not expire: <c>expiresAt</c> is the hour after which a caller should ask again,
    /// so that a rotation reaches it. Narrower scopes and renewals mean nothing for a secret.
    /// </summary>
    private async Task<Result<IssuedAccessToken, AccessTokenFailure>> SecretAsync(ConnectionRecord record, AccessTokenRequest request, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (providers.Find(record.ProviderId) is not { Secret: { } usage } || usage.Kind != record.Kind)
        {
            return new AccessTokenFailure(TokenFailureReason.ProviderRejected, null, ProviderKindChanged);
        }

        if (request.Scopes is not null)
        {
            return new AccessTokenFailure(TokenFailureReason.InvalidScope, null, ScopeFailureCodes.NarrowingUnsupported);
        }

        if (request.HandedOut && !usage.AllowHandout)
        {
            return new AccessTokenFailure(TokenFailureReason.HandoutDisabled);
        }

        var credential = SecretUsage.Credential(record.Kind, await secrets.ReadSecretAsync(record, cancellationToken));
        return new IssuedAccessToken(credential, usage.TokenType, now + AccessTokenRequest.MaxMinValidity, [], record.ProviderId);
    }
}
