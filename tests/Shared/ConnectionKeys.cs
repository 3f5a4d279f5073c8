using Credentials.Functions.Connections;

namespace Credentials.Tests.Support;

/// <summary>Keys for tests' own fixed ids, which follow the id rule (a test with a hostile id uses <see cref="ConnectionKey.TryCreate"/>).</summary>
internal static class ConnectionKeys
{
    public static ConnectionKey Of(string userId, string connectionId) =>
        ConnectionKey.TryCreate(userId, connectionId, out var key) ? key : throw new ArgumentException($"Not valid ids: {userId}/{connectionId}");
}
