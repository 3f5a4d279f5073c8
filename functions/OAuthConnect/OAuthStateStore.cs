using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;

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
    private readonly OneTimeRows _rows = new(tables, options, OAuthState.RowKey);

    public static string NewStateValue() => OneTimeRows.NewSecret();

    public static string HashOf(string stateValue) => OneTimeRows.HashOf(stateValue);

    public async Task AddAsync(OAuthState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var row = _rows.NewRow(state.StateHash, state);
        row["RedirectUri"] = state.RedirectUri.AbsoluteUri;
        row["ReturnUrl"] = state.ReturnUrl?.AbsoluteUri;
        row["ResponseMode"] = state.ResponseMode.ToString();
        row["Binding"] = state.Binding.ToString();
        row["PkceVerifier"] = state.PkceVerifierEnvelope;
        await _rows.AddAsync(row, cancellationToken);
    }

    /// <summary>
    /// Reads and deletes the state in one conditional step: of concurrent callbacks with the same state exactly one
    /// gets <see cref="StateConsumption.Consumed"/>. An expired state is deleted too, and reported as expired.
    /// </summary>
    public async Task<(StateConsumption Result, OAuthState? State)> ConsumeAsync(string stateValue, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateValue);
        if (await _rows.TakeAsync(HashOf(stateValue), cancellationToken) is not { } entity)
        {
            return (StateConsumption.Unknown, null);
        }

        var state = FromEntity(entity);
        return state.ExpiresAt <= now ? (StateConsumption.Expired, state) : (StateConsumption.Consumed, state);
    }

    /// <summary>Deletes states that expired before <paramref name="now"/> (abandoned authorizations). Returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Pending connections share this table; they hold tokens and are discarded (revoked) by their own store.
        var deleted = 0;
        await foreach (var _ in _rows.TakeExpiredAsync(now, select: ["PartitionKey", "RowKey"], cancellationToken))
        {
            deleted++;
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
        Scopes = OneTimeRows.ScopesOf(entity),
        ReturnUrl = entity.GetString("ReturnUrl") is { Length: > 0 } returnUrl ? new Uri(returnUrl) : null,
        ResponseMode = Enum.TryParse<ResponseMode>(entity.GetString("ResponseMode"), out var mode) ? mode : ResponseMode.Fragment,
        // A row without one was written before browser binding existed: bound to the browser, the stricter reading.
        Binding = Enum.TryParse<CompletionBinding>(entity.GetString("Binding"), out var binding) ? binding : CompletionBinding.Browser,
        StartedBy = entity.GetString("StartedBy") ?? string.Empty,
        CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        ExpiresAt = entity.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue,
        Metadata = OneTimeRows.MetadataOf(entity),
        PkceVerifierEnvelope = entity.GetBinary("PkceVerifier"),
    };
}
