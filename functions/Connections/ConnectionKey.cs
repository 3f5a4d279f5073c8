using Credentials.Functions.Foundation;

namespace Credentials.Functions.Connections;

/// <summary>
/// One user's connection, named by two ids that passed the id rule (<see cref="Identifiers"/>). Requests get one at the
/// edge, where admission checks the route's ids once; from there to storage the pair travels as this value instead of
/// two loose strings. Rows read back from storage carry ids that were checked when they were written.
/// </summary>
public readonly record struct ConnectionKey
{
    private ConnectionKey(string userId, string connectionId)
    {
        UserId = userId;
        ConnectionId = connectionId;
    }

    public string UserId { get; }

    public string ConnectionId { get; }

    /// <summary>False when either id breaks the id rule (the caller answers 400).</summary>
    public static bool TryCreate(string? userId, string? connectionId, out ConnectionKey key)
    {
        var valid = Identifiers.IsValid(userId) && Identifiers.IsValid(connectionId);
        key = valid ? new ConnectionKey(userId!, connectionId!) : default;
        return valid;
    }

    /// <summary>The key of a stored record (its ids were checked before it was written).</summary>
    public static ConnectionKey Of(ConnectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new ConnectionKey(record.UserId, record.ConnectionId);
    }

    public override string ToString() => $"{UserId}/{ConnectionId}";
}
