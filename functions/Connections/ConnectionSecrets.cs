using Credentials.Functions.Crypto;

namespace Credentials.Functions.Connections;

/// <summary>The only way tokens enter or leave a <see cref="ConnectionRecord"/>: encrypted in, decrypted out, bound to the row.</summary>
public sealed class ConnectionSecrets(CredentialCipher cipher)
{
    public async ValueTask<ConnectionRecord> WithTokensAsync(
        ConnectionRecord record, string refreshToken, string? accessToken, DateTimeOffset? accessTokenExpiresAt, string? accessTokenType,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var refresh = await cipher.EncryptAsync(refreshToken, record.ContextFor(SecretField.RefreshToken), cancellationToken);
        var access = accessToken is null ? null : await cipher.EncryptAsync(accessToken, record.ContextFor(SecretField.AccessToken), cancellationToken);
        return record with
        {
            RefreshTokenEnvelope = refresh,
            AccessTokenEnvelope = access,
            AccessTokenExpiresAt = access is null ? null : accessTokenExpiresAt,
            AccessTokenType = access is null ? null : accessTokenType,
        };
    }

    /// <summary>The record with a new refresh token (a rotation) and its access token as it was.</summary>
    public async ValueTask<ConnectionRecord> WithRefreshTokenAsync(ConnectionRecord record, string refreshToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record with { RefreshTokenEnvelope = await cipher.EncryptAsync(refreshToken, record.ContextFor(SecretField.RefreshToken), cancellationToken) };
    }

    /// <summary>
    /// The record holding a submitted secret (an API key, or basic credentials as <c>user:password</c>) in the refresh
    /// token's envelope, bound to the same row and field, and no access token: re-encryption and the store treat it alike.
    /// </summary>
    public async ValueTask<ConnectionRecord> WithSecretAsync(ConnectionRecord record, string secret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record with
        {
            RefreshTokenEnvelope = await cipher.EncryptAsync(secret, record.ContextFor(SecretField.RefreshToken), cancellationToken),
            AccessTokenEnvelope = null,
            AccessTokenExpiresAt = null,
            AccessTokenType = null,
        };
    }

    /// <summary>The secret of an API-key or basic connection (<see cref="WithSecretAsync"/>).</summary>
    public ValueTask<string> ReadSecretAsync(ConnectionRecord record, CancellationToken cancellationToken) => ReadRefreshTokenAsync(record, cancellationToken);

    public ValueTask<string> ReadRefreshTokenAsync(ConnectionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return cipher.DecryptAsync(record.RefreshTokenEnvelope, record.ContextFor(SecretField.RefreshToken), cancellationToken);
    }

    public async ValueTask<string?> ReadAccessTokenAsync(ConnectionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.AccessTokenEnvelope is null
            ? null
            : await cipher.DecryptAsync(record.AccessTokenEnvelope, record.ContextFor(SecretField.AccessToken), cancellationToken);
    }

    /// <summary>True when either envelope was written under an older master key version than the current one.</summary>
    public async ValueTask<bool> NeedsReEncryptionAsync(ConnectionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return await cipher.IsStaleAsync(record.RefreshTokenEnvelope, cancellationToken)
            || (record.AccessTokenEnvelope is not null && await cipher.IsStaleAsync(record.AccessTokenEnvelope, cancellationToken));
    }
}
