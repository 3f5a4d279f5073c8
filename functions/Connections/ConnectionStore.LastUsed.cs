using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Connections;

public sealed partial class ConnectionStore
{
    private readonly ConcurrentDictionary<ConnectionKey, DateTimeOffset> _marking = new();

    /// <summary>
    /// <see cref="MarkUsedAsync"/> without waiting for it: a hand-out never waits for this bookkeeping write, and a
    /// failure (storage slow or down) only leaves <c>LastUsedAt</c> older until the next hand-out marks it.
    /// </summary>
    public void MarkUsedInBackground(ConnectionKey connection, DateTimeOffset at) =>
        _ = MarkUsedQuietlyAsync(connection, at);

    private async Task MarkUsedQuietlyAsync(ConnectionKey connection, DateTimeOffset at)
    {
        try
        {
            await MarkUsedAsync(connection, at, CancellationToken.None);
        }
        catch (Exception exception) when (exception is RequestFailedException or TimeoutException or OperationCanceledException or HttpRequestException)
        {
            LogMarkUsedFailed(logger, (exception as RequestFailedException)?.Status ?? 0);
        }
    }

    /// <summary>
    /// Records that a connection's token was handed out, touching only <c>LastUsedAt</c> (a merge, unconditional): a
    /// concurrent conditional writer sees a new ETag, re-reads and keeps this value.
    /// </summary>
    public async Task MarkUsedAsync(ConnectionKey connection, DateTimeOffset at, CancellationToken cancellationToken)
    {
        // Concurrent hand-outs of one connection all see the same old LastUsedAt; one write says it for all of them.
        if ((snapshots.LastUsedAt(connection) is { } marked && at - marked < TimeSpan.FromMinutes(1))
            || !_marking.TryAdd(connection, at))
        {
            return;
        }

        try
        {
            // Said before the write, so that no later hand-out on this instance writes it again, even if this write fails
            // (the copy is re-read within its lifetime, and the table's value wins then).
            snapshots.Touch(connection, at);
            var table = await tables.ConnectionsAsync(cancellationToken);
            await table.UpdateEntityAsync(new TableEntity(connection.UserId, connection.ConnectionId) { ["LastUsedAt"] = at }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            // Deleted meanwhile: nothing to mark.
        }
        finally
        {
            _marking.TryRemove(connection, out _);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Recording a hand-out's LastUsedAt failed (HTTP {Status}; 0: no answer); the next hand-out records it")]
    private static partial void LogMarkUsedFailed(ILogger logger, int status);
}
