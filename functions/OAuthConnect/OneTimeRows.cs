using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Credentials.Functions.Connections;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.OAuthConnect;

/// <summary>What every one-time row of a connection being made says: whose, for what, by whom started, and until when.</summary>
internal interface IOneTimeConnectRow
{
    string UserId { get; }

    string ConnectionId { get; }

    string ProviderId { get; }

    IReadOnlyList<string> Scopes { get; }

    string StartedBy { get; }

    DateTimeOffset CreatedAt { get; }

    DateTimeOffset ExpiresAt { get; }

    /// <summary>The tags the start request gave the connection (checked then); null when it gave none.</summary>
    IReadOnlyDictionary<string, string>? Metadata { get; }
}

/// <summary>
/// One kind (row key) of the one-time rows in the OAuth states table: stored under the SHA-256 of a random secret (so the
/// table never holds a usable one), taken by exactly one reader, and taken by the sweep once expired.
/// </summary>
internal sealed class OneTimeRows(StorageTables tables, IOptions<StorageOptions> options, string rowKey)
{
    /// <summary>A new secret: 256 random bits, base64url.</summary>
    public static string NewSecret() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static IReadOnlyList<string> ScopesOf(TableEntity entity) =>
        (entity.GetString("Scopes") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static IReadOnlyDictionary<string, string>? MetadataOf(TableEntity entity) =>
        entity.GetString("Metadata") is { } json ? MetadataTags.FromColumn(json) : null;

    /// <summary>A new row with the columns every kind has; the caller adds its own before <see cref="AddAsync"/>.</summary>
    public TableEntity NewRow(string secretHash, IOneTimeConnectRow row) => new(secretHash, rowKey)
    {
        ["UserId"] = row.UserId,
        ["ConnectionId"] = row.ConnectionId,
        ["ProviderId"] = row.ProviderId,
        ["Scopes"] = string.Join(' ', row.Scopes),
        ["StartedBy"] = row.StartedBy,
        ["CreatedAt"] = row.CreatedAt,
        ["ExpiresAt"] = row.ExpiresAt,
        // "{}" (clear the tags) differs from no column (keep them).
        ["Metadata"] = row.Metadata is null ? null : JsonSerializer.Serialize(row.Metadata),
    };

    public async Task AddAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        await table.AddEntityAsync(entity, cancellationToken);
    }

    /// <summary>Reads the row without taking it; null when there is none.</summary>
    public async Task<TableEntity?> FindAsync(string secretHash, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(secretHash, rowKey, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }

    /// <summary>Reads and deletes the row in one conditional step (<see cref="SingleUseRows.TakeAsync"/>); null when another reader was first.</summary>
    public async Task<TableEntity?> TakeAsync(string secretHash, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        return await SingleUseRows.TakeAsync(table, secretHash, rowKey, cancellationToken);
    }

    /// <summary>Takes every row of this kind that expired before <paramref name="now"/>; rows another reader took meanwhile are skipped.</summary>
    /// <param name="select">The columns to read, or null for all.</param>
    public async IAsyncEnumerable<TableEntity> TakeExpiredAsync(DateTimeOffset now, IEnumerable<string>? select,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"RowKey eq {rowKey} and ExpiresAt lt {now}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, select: select, cancellationToken: cancellationToken))
        {
            if (await SingleUseRows.TryDeleteAsync(table, entity, cancellationToken))
            {
                yield return entity;
            }
        }
    }

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) => tables.GetAsync(options.Value.OAuthStatesTable, cancellationToken);
}
