using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.OAuthConnect;

public enum StateConsumption
{
    Consumed,

    /// <summary>No such state: never issued, tampered with, or already used (replays lose to the first use).</summary>
    Unknown,

    Expired,
}

/// <summary>Single-use OAuth state records: created at start, consumed (deleted) by exactly one callback.</summary>
public sealed class OAuthStateStore(StorageTables tables, IOptions<StorageOptions> options)
{
    public static string NewStateValue() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string stateValue) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stateValue)));

    public async Task AddAsync(OAuthState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var table = await tables.GetAsync(options.Value.OAuthStatesTable, cancellationToken);
        await table.AddEntityAsync(new TableEntity(state.StateHash, OAuthState.RowKey)
        {
            ["UserId"] = state.UserId,
            ["ConnectionId"] = state.ConnectionId,
            ["ProviderId"] = state.ProviderId,
            ["RedirectUri"] = state.RedirectUri.AbsoluteUri,
            ["Scopes"] = string.Join(' ', state.Scopes),
            ["ReturnUrl"] = state.ReturnUrl?.AbsoluteUri,
            ["ResponseMode"] = state.ResponseMode.ToString(),
            ["Binding"] = state.Binding.ToString(),
            ["StartedBy"] = state.StartedBy,
            ["CreatedAt"] = state.CreatedAt,
            ["ExpiresAt"] = state.ExpiresAt,
            ["PkceVerifier"] = state.PkceVerifierEnvelope,
        }, cancellationToken);
    }

    /// <summary>
    /// Reads and deletes the state in one conditional step: of concurrent callbacks with the same state exactly one
    /// gets <see cref="StateConsumption.Consumed"/>. An expired state is deleted too, and reported as expired.
    /// </summary>
    public async Task<(StateConsumption Result, OAuthState? State)> ConsumeAsync(string stateValue, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateValue);
        var table = await tables.GetAsync(options.Value.OAuthStatesTable, cancellationToken);
        if (await SingleUseRows.TakeAsync(table, HashOf(stateValue), OAuthState.RowKey, cancellationToken) is not { } entity)
        {
            return (StateConsumption.Unknown, null);
        }

        var state = FromEntity(entity);
        return state.ExpiresAt <= now ? (StateConsumption.Expired, state) : (StateConsumption.Consumed, state);
    }

    /// <summary>Deletes states that expired before <paramref name="now"/> (abandoned authorizations). Returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(options.Value.OAuthStatesTable, cancellationToken);
        var deleted = 0;
        // Pending connections share this table; they hold tokens and are discarded (revoked) by their own store.
        var filter = TableClient.CreateQueryFilter($"RowKey eq {OAuthState.RowKey} and ExpiresAt lt {now}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            var response = await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, cancellationToken);
            deleted += response.Status == 404 ? 0 : 1;
        }

        return deleted;
    }

    private static OAuthState FromEntity(TableEntity entity) => new()
    {
        StateHash = entity.PartitionKey,
        UserId = entity.GetString("UserId"),
        ConnectionId = entity.GetString("ConnectionId"),
        ProviderId = entity.GetString("ProviderId"),
        RedirectUri = new Uri(entity.GetString("RedirectUri")),
        Scopes = (entity.GetString("Scopes") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        ReturnUrl = entity.GetString("ReturnUrl") is { Length: > 0 } returnUrl ? new Uri(returnUrl) : null,
        ResponseMode = Enum.TryParse<ResponseMode>(entity.GetString("ResponseMode"), out var mode) ? mode : ResponseMode.Fragment,
        // A row without one was written before browser binding existed: bound to the browser, the stricter reading.
        Binding = Enum.TryParse<CompletionBinding>(entity.GetString("Binding"), out var binding) ? binding : CompletionBinding.Browser,
        StartedBy = entity.GetString("StartedBy") ?? string.Empty,
        CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        ExpiresAt = entity.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue,
        PkceVerifierEnvelope = entity.GetBinary("PkceVerifier"),
    };
}
