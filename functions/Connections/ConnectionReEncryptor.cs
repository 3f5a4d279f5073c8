namespace Credentials.Functions.Connections;

public enum ReEncryptionOutcome
{
    AlreadyCurrent,
    ReEncrypted,

    /// <summary>The record changed meanwhile; the next pass will see the new copy.</summary>
    Conflict,
    NotFound,
}

/// <summary>Rewrites a record's envelopes under the current master key version, conditionally on the ETag read.</summary>
public sealed class ConnectionReEncryptor(IConnectionRecords store, ConnectionSecrets secrets)
{
    public async Task<ReEncryptionOutcome> ReEncryptIfStaleAsync(ConnectionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!await secrets.NeedsReEncryptionAsync(record, cancellationToken))
        {
            return ReEncryptionOutcome.AlreadyCurrent;
        }

        var refreshToken = await secrets.ReadRefreshTokenAsync(record, cancellationToken);
        var accessToken = await secrets.ReadAccessTokenAsync(record, cancellationToken);
        var rewritten = await secrets.WithTokensAsync(record, refreshToken, accessToken, record.AccessTokenExpiresAt, record.AccessTokenType, cancellationToken);
        var result = await store.ReplaceAsync(rewritten, cancellationToken);
        return result.Status switch
        {
            WriteStatus.Written => ReEncryptionOutcome.ReEncrypted,
            WriteStatus.NotFound => ReEncryptionOutcome.NotFound,
            _ => ReEncryptionOutcome.Conflict,
        };
    }
}
