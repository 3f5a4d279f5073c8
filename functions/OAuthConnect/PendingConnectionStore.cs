using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// Pending connections, in the OAuth states table (rows with <see cref="PendingConnection.RowKey"/>): short-lived like
/// states, keyed by a hash of a secret, and taken by exactly one reader.
/// </summary>
public sealed class PendingConnectionStore(StorageTables tables, IOptions<StorageOptions> options)
{
    private readonly OneTimeRows _rows = new(tables, options, PendingConnection.RowKey);

    /// <summary>A new one-time completion code: 256 random bits, base64url.</summary>
    public static string NewCompletionCode() => OneTimeRows.NewSecret();

    public static string HashOf(string completionCode) => OneTimeRows.HashOf(completionCode);

    public async Task AddAsync(PendingConnection pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var row = _rows.NewRow(pending.CompletionHash, pending);
        row["RefreshToken"] = pending.RefreshTokenEnvelope;
        row["AccessToken"] = pending.AccessTokenEnvelope;
        row["AccessTokenExpiresAt"] = pending.AccessTokenExpiresAt;
        row["AccessTokenType"] = pending.AccessTokenType;
        row["InstanceUrl"] = pending.InstanceUrl?.AbsoluteUri;
        row["BrowserBinding"] = pending.BrowserBindingHash;
        row["Account"] = pending.Account;
        await _rows.AddAsync(row, cancellationToken);
    }

    /// <summary>Reads the pending connection without taking it (to check who may take it); null when there is none.</summary>
    public async Task<PendingConnection?> FindAsync(string completionHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completionHash);
        return await _rows.FindAsync(completionHash, cancellationToken) is { } found ? FromEntity(found) : null;
    }

    /// <summary>
    /// Reads and deletes the pending connection in one conditional step: of concurrent completions with one code at most
    /// one gets it. Null when there is none (never issued, already taken, or removed as expired).
    /// </summary>
    public async Task<PendingConnection?> TakeAsync(string completionHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completionHash);
        return await _rows.TakeAsync(completionHash, cancellationToken) is { } taken ? FromEntity(taken) : null;
    }

    /// <summary>Takes every pending connection that expired before <paramref name="now"/>, for the caller to discard.</summary>
    public async IAsyncEnumerable<PendingConnection> TakeExpiredAsync(DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entity in _rows.TakeExpiredAsync(now, select: null, cancellationToken))
        {
            yield return FromEntity(entity);
        }
    }

    private static PendingConnection FromEntity(TableEntity entity) => new()
    {
        CompletionHash = entity.PartitionKey,
        UserId = entity.GetString("UserId"),
        ConnectionId = entity.GetString("ConnectionId"),
        ProviderId = entity.GetString("ProviderId"),
        Scopes = OneTimeRows.ScopesOf(entity),
        StartedBy = entity.GetString("StartedBy") ?? string.Empty,
        CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        ExpiresAt = entity.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue,
        Metadata = OneTimeRows.MetadataOf(entity),
        RefreshTokenEnvelope = entity.GetBinary("RefreshToken"),
        AccessTokenEnvelope = entity.GetBinary("AccessToken"),
        AccessTokenExpiresAt = entity.GetDateTimeOffset("AccessTokenExpiresAt"),
        AccessTokenType = entity.GetString("AccessTokenType"),
        InstanceUrl = entity.GetString("InstanceUrl") is { } instance ? new Uri(instance, UriKind.Absolute) : null,
        BrowserBindingHash = entity.GetString("BrowserBinding"),
        Account = entity.GetString("Account"),
    };
}
