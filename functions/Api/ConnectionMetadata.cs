using Credentials.Functions.Connections;
using Credentials.Functions.Foundation;

namespace Credentials.Functions.Api;

/// <summary>What callers may see of a connection: never a token.</summary>
internal sealed record ConnectionMetadata(
    string ConnectionId,
    string Provider,
    string Status,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastRefreshSucceededAt,
    DateTimeOffset? LastRefreshFailedAt,
    DateTimeOffset? AccessTokenExpiresAt,
    string? LastErrorCode,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary><c>oauth</c>, <c>api_key</c> or <c>basic</c>.</summary>
    public string Kind { get; init; } = "oauth";

    public static ConnectionMetadata From(ConnectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.ConnectionId, record.ProviderId, record.Status.ToName(), record.Scopes, record.CreatedAt, record.UpdatedAt,
            record.LastRefreshSucceededAt, record.LastRefreshFailedAt, record.AccessTokenExpiresAt, record.LastErrorCode, record.Metadata)
        { Kind = record.Kind.ToName() };
    }
}

internal sealed record ConnectionList(IReadOnlyList<ConnectionMetadata> Connections, string? ContinuationToken);
