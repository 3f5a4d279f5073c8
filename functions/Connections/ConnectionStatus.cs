namespace Credentials.Functions.Connections;

/// <summary>Lifecycle of a stored connection. Stored and returned as the snake_case names below.</summary>
public enum ConnectionStatus
{
    /// <summary>Tokens are usable.</summary>
    Active,

    /// <summary>Refreshes fail transiently (provider down, throttled); tokens are still believed valid.</summary>
    RefreshFailing,

    /// <summary>The grant is gone (revoked, expired): the user must connect again.</summary>
    ReauthorizationRequired,

    /// <summary>
    /// An imported grant, stored before it is proved: not usable yet. The proving refresh (the refresh engine's, under its
    /// lease) makes it active; a retried import or the maintenance walk finishes one left behind (docs/operations.md).
    /// </summary>
    Importing,
}

internal static class ConnectionStatusNames
{
    public static string ToName(this ConnectionStatus status) => status switch
    {
        ConnectionStatus.Active => "active",
        ConnectionStatus.RefreshFailing => "refresh_failing",
        ConnectionStatus.ReauthorizationRequired => "reauthorization_required",
        ConnectionStatus.Importing => "importing",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static ConnectionStatus Parse(string name) => name switch
    {
        "active" => ConnectionStatus.Active,
        "refresh_failing" => ConnectionStatus.RefreshFailing,
        "reauthorization_required" => ConnectionStatus.ReauthorizationRequired,
        "importing" => ConnectionStatus.Importing,
        _ => throw new FormatException($"Unknown connection status '{name}'."),
    };
}
