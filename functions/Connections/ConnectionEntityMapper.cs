using Azure.Data.Tables;
using Credentials.Functions.Foundation;

namespace Credentials.Functions.Connections;

/// <summary>Maps <see cref="ConnectionRecord"/> to its table row and back (layout in docs/storage.md).</summary>
internal static class ConnectionEntityMapper
{
    /// <summary>A fresh id per write, stored on the row: it tells "my write landed but its response was lost" from "someone else wrote".</summary>
    public const string WriteIdProperty = "WriteId";

    public static TableEntity ToEntity(ConnectionRecord record, string writeId) => new(record.UserId, record.ConnectionId)
    {
        ["ProviderId"] = record.ProviderId,
        ["Kind"] = record.Kind.ToName(),
        ["Scopes"] = string.Join(' ', record.Scopes),
        ["Status"] = record.Status.ToName(),
        ["CreatedAt"] = record.CreatedAt,
        ["UpdatedAt"] = record.UpdatedAt,
        ["LastRefreshSucceededAt"] = record.LastRefreshSucceededAt,
        ["LastRefreshFailedAt"] = record.LastRefreshFailedAt,
        ["FailingSince"] = record.FailingSince,
        ["RefreshAttempts"] = record.RefreshAttempts,
        ["ConsecutiveFailures"] = record.ConsecutiveFailures,
        ["LastErrorCode"] = record.LastErrorCode,
        ["NextRefreshAllowedAt"] = record.NextRefreshAllowedAt,
        ["LastUsedAt"] = record.LastUsedAt,
        ["GrantedAt"] = record.GrantedAt,
        ["ExpiryNoticeFor"] = record.ExpiryNoticeFor,
        ["RefreshTokenEnvelope"] = record.RefreshTokenEnvelope,
        ["AccessTokenEnvelope"] = record.AccessTokenEnvelope,
        ["AccessTokenExpiresAt"] = record.AccessTokenExpiresAt,
        ["AccessTokenType"] = record.AccessTokenType,
        ["InstanceUrl"] = record.InstanceUrl?.AbsoluteUri,
        ["KeyVersion"] = record.KeyVersion,
        ["LeaseOwner"] = record.LeaseOwner,
        ["LeaseExpiresAt"] = record.LeaseExpiresAt,
        ["LeaseTakenAt"] = record.LeaseTakenAt,
        ["LeaseRenewedAt"] = record.LeaseRenewedAt,
        ["Metadata"] = MetadataTags.ToColumn(record.Metadata),
        [WriteIdProperty] = writeId,
        ["ImportFingerprint"] = record.ImportFingerprint,
    };

    public static ConnectionRecord FromEntity(TableEntity entity) => new()
    {
        UserId = entity.PartitionKey,
        ConnectionId = entity.RowKey,
        ProviderId = entity.GetString("ProviderId") ?? string.Empty,
        Kind = CredentialKindNames.Parse(entity.GetString("Kind")),
        Scopes = (entity.GetString("Scopes") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        Status = ConnectionStatusNames.Parse(entity.GetString("Status") ?? "active"),
        CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        UpdatedAt = entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        LastRefreshSucceededAt = entity.GetDateTimeOffset("LastRefreshSucceededAt"),
        LastRefreshFailedAt = entity.GetDateTimeOffset("LastRefreshFailedAt"),
        FailingSince = entity.GetDateTimeOffset("FailingSince"),
        RefreshAttempts = entity.GetInt32("RefreshAttempts") ?? 0,
        ConsecutiveFailures = entity.GetInt32("ConsecutiveFailures") ?? 0,
        LastErrorCode = entity.GetString("LastErrorCode"),
        NextRefreshAllowedAt = entity.GetDateTimeOffset("NextRefreshAllowedAt"),
        LastUsedAt = entity.GetDateTimeOffset("LastUsedAt"),
        GrantedAt = entity.GetDateTimeOffset("GrantedAt"),
        ExpiryNoticeFor = entity.GetDateTimeOffset("ExpiryNoticeFor"),
        RefreshTokenEnvelope = entity.GetBinary("RefreshTokenEnvelope") ?? [],
        AccessTokenEnvelope = entity.GetBinary("AccessTokenEnvelope"),
        AccessTokenExpiresAt = entity.GetDateTimeOffset("AccessTokenExpiresAt"),
        AccessTokenType = entity.GetString("AccessTokenType"),
        InstanceUrl = entity.GetString("InstanceUrl") is { } instance ? new Uri(instance, UriKind.Absolute) : null,
        LeaseOwner = entity.GetString("LeaseOwner"),
        LeaseExpiresAt = entity.GetDateTimeOffset("LeaseExpiresAt"),
        LeaseTakenAt = entity.GetDateTimeOffset("LeaseTakenAt"),
        LeaseRenewedAt = entity.GetDateTimeOffset("LeaseRenewedAt"),
        Metadata = MetadataTags.FromColumn(entity.GetString("Metadata")),
        ETag = entity.ETag.ToString(),
        ImportFingerprint = entity.GetString("ImportFingerprint"),
    };
}
