using System.Security.Cryptography;
using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// Pending connections, in the OAuth states table (rows with <see cref="PendingConnection.RowKey"/>): short-lived like
/// states, keyed by a hash of a secret, and taken by exactly one reader.
/// </summary>
public sealed class PendingConnectionStore(StorageTables tables, IOptions<StorageOptions> options)
{
    /// <summary>A new one-time completion code: 256 random bits, base64url.</summary>
    public static string NewCompletionCode() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string completionCode) => OAuthStateStore.HashOf(completionCode);

    public async Task AddAsync(PendingConnection pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var table = await tables.GetAsync(options.Value.OAuthStatesTable, cancellationToken);
        await table.AddEntityAsync(new TableEntity(pending.CompletionHash, PendingConnection.RowKey)
        {
            ["UserId"] = pending.UserId,
            ["ConnectionId"] = pending.ConnectionId,
            ["ProviderId"] = pending.ProviderId,
            ["Scopes"] = string.Join(' ', pending.Scopes),
            ["StartedBy"] = pending.StartedBy,
            ["CreatedAt"] = pending.CreatedAt,
            ["ExpiresAt"] = pending.ExpiresAt,
            ["RefreshToken"] = pending.RefreshTokenEnvelope,
            ["AccessToken"] = pending.AccessTokenEnvelope,
            ["AccessTokenExpiresAt"] = pending.AccessTokenExpiresAt,
            ["AccessTokenType"] = pending.AccessTokenType,
            ["InstanceUrl"] = pending.InstanceUrl?.AbsoluteUri,
            ["BrowserBinding"] = pending.BrowserBindingHash,
            ["Account"] = pending.Account,
        }, cancellationToken);
    }

    /// <summary>Reads the pending connection without taking it (to check who may take it); null when there is none.</summary>
    public async Task<PendingConnection?> FindAsync(string completionHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completionHash);
        var table = await tables.GetAsync(options.Value.OAuthStatesTable, cancellationToken);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(completionHash, PendingConnection.RowKey, cancellationToken: cancellationToken);
        return found.HasValue ? FromEntity(found.Value!) : null;
    }

    /// <summary>
    /// Reads and deletes the pending connection in one conditional step: of concurrent completions with one code at most
    /// one gets it. Null when there is none (never issued, already taken, or removed as expired).
    /// </summary>
    public async Task<PendingConnection?> TakeAsync(string completionHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completionHash);
        var table = await tables.GetAsync(options.Value.OAuthStatesTable, cancellationToken);
        return await SingleUseRows.TakeAsync(table, completionHash, PendingConnection.RowKey, cancellationToken) is { } taken ? FromEntity(taken) : null;
    }

    /// <summary>Takes every pending connection that expired before <paramref name="now"/>, for the caller to discard.</summary>
    public async IAsyncEnumerable<PendingConnection> TakeExpiredAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(options.Value.OAuthStatesTable, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"RowKey eq {PendingConnection.RowKey} and ExpiresAt lt {now}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (await SingleUseRows.TryDeleteAsync(table, entity, cancellationToken))
            {
                yield return FromEntity(entity);
            }
        }
    }

    private static PendingConnection FromEntity(TableEntity entity) => new()
    {
        CompletionHash = entity.PartitionKey,
        UserId = entity.GetString("UserId"),
        ConnectionId = entity.GetString("ConnectionId"),
        ProviderId = entity.GetString("ProviderId"),
        Scopes = (entity.GetString("Scopes") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        StartedBy = entity.GetString("StartedBy") ?? string.Empty,
        CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        ExpiresAt = entity.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue,
        RefreshTokenEnvelope = entity.GetBinary("RefreshToken"),
        AccessTokenEnvelope = entity.GetBinary("AccessToken"),
        AccessTokenExpiresAt = entity.GetDateTimeOffset("AccessTokenExpiresAt"),
        AccessTokenType = entity.GetString("AccessTokenType"),
        InstanceUrl = entity.GetString("InstanceUrl") is { } instance ? new Uri(instance, UriKind.Absolute) : null,
        BrowserBindingHash = entity.GetString("BrowserBinding"),
        Account = entity.GetString("Account"),
    };
}
