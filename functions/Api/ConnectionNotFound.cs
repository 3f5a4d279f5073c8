using Credentials.Functions.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Credentials.Functions.Api;

/// <summary>
/// The 404 of a connection that is not there, saying which id to check: the user has no connections at all (likely a
/// wrong user id) or not this one (a wrong connection id). It says only that much, and only of the user in the path,
/// whom the caller was already authorized for: never another user's data, nor the names of this user's connections.
/// </summary>
internal static class ConnectionNotFound
{
    public const string Title = "No such connection.";

    public static async Task<string> DetailAsync(ConnectionStore store, ConnectionKey connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.HasAnyAsync(connection.UserId, cancellationToken)
            ? $"User '{connection.UserId}' has no connection '{connection.ConnectionId}': check the connection id (ids are case-sensitive); " +
              $"GET /api/users/{connection.UserId}/connections lists the user's connections."
            : $"User '{connection.UserId}' has no connections at all: check the user id (ids are case-sensitive), or connect one first.";
    }

    public static async Task<IActionResult> ProblemAsync(HttpContext http, ConnectionStore store, ConnectionKey connection)
    {
        ArgumentNullException.ThrowIfNull(http);
        return ProblemResults.Create(http, StatusCodes.Status404NotFound, ProblemCodes.ConnectionNotFound, Title,
            await DetailAsync(store, connection, http.RequestAborted));
    }
}
