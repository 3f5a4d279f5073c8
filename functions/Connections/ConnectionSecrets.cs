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
