using Azure;
using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Connections;

/// <summary>
/// Connection records in Azure Table Storage: one row per (user, connection), partitioned by user. Every update is
/// conditional on the ETag the caller read; a stale write comes back as <see cref="WriteStatus.Conflict"/>, never a
/// silent overwrite. Outcomes are values; only infrastructure failures throw. Reads of whole pages (listing, maintenance
/// scans) are in <c>ConnectionStore.Pages.cs</c>, and the one unconditional write, <c>LastUsedAt</c>, in
/// <c>ConnectionStore.LastUsed.cs</c>, so that this file holds the ETag discipline alone.
/// </summary>
public sealed partial class ConnectionStore(
    StorageTables tables, ConnectionSnapshots snapshots, IStatusEventSink statusEvents, ILogger<ConnectionStore> logger) : IConnectionRecords
{
    /// <summary>
    /// The record as this instance saw it at most <see cref="ConnectionSnapshots.Lifetime"/> ago (its own writes at once):
    /// for handing out tokens, where a cached read must cost no table request. Anything that writes reads with
    /// <see cref="GetAsync"/>.
    /// </summary>
    public Task<ConnectionRecord?> GetRecentAsync(ConnectionKey connection, CancellationToken cancellationToken) =>
        snapshots.GetAsync(connection, token => GetAsync(connection, token)).WaitAsync(cancellationToken);

    public async Task<ConnectionRecord?> GetAsync(ConnectionKey connection, CancellationToken cancellationToken)
    {
        var table = await tables.ConnectionsAsync(cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(connection.UserId, connection.ConnectionId, cancellationToken: cancellationToken);
        return response.HasValue ? ConnectionEntityMapper.FromEntity(response.Value!) : null;
    }

    /// <summary>Inserts a new record; <see cref="WriteStatus.AlreadyExists"/> when the (user, connection) row exists.</summary>
    public Task<WriteResult> AddAsync(ConnectionRecord record, CancellationToken cancellationToken) => AddAsync(record, null, cancellationToken);

    /// <summary>Inserts a new record with the status event it causes; <see cref="WriteStatus.AlreadyExists"/> when the row exists.</summary>
    public async Task<WriteResult> AddAsync(ConnectionRecord record, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        Validate(record);
        var table = await tables.ConnectionsAsync(cancellationToken);
        var writeId = Guid.NewGuid().ToString("N");
        var entity = ConnectionEntityMapper.ToEntity(record, writeId);
        try
        {
            var response = await WriteAsync(table, new TableTransactionAction(TableTransactionActionType.Add, entity), statusEvent, cancellationToken);
            return Written(WriteResult.Written(record with { ETag = response.Headers.ETag?.ToString() }), statusEvent);
        }
        catch (RequestFailedException exception) when (exception.Status == 409)
        {
            return Written(await ResolveRejectedWriteAsync(table, record, writeId, WriteStatus.AlreadyExists, cancellationToken), statusEvent);
        }
    }

    /// <summary>Replaces the record if it is still at <see cref="ConnectionRecord.ETag"/>.</summary>
    public Task<WriteResult> ReplaceAsync(ConnectionRecord record, CancellationToken cancellationToken) => ReplaceAsync(record, null, cancellationToken);

    /// <summary>Replaces the record if it is still at <see cref="ConnectionRecord.ETag"/>, with the status event it causes, if any.</summary>
    public async Task<WriteResult> ReplaceAsync(ConnectionRecord record, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        Validate(record);
        if (string.IsNullOrEmpty(record.ETag))
        {
            throw new ArgumentException("A replace must carry the ETag the record was read at.", nameof(record));
        }

        var table = await tables.ConnectionsAsync(cancellationToken);
        var writeId = Guid.NewGuid().ToString("N");
        var entity = ConnectionEntityMapper.ToEntity(record, writeId);
        try
        {
            var response = await WriteAsync(table, new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, new ETag(record.ETag)),
                statusEvent, cancellationToken);
            return Written(WriteResult.Written(record with { ETag = response.Headers.ETag?.ToString() }), statusEvent);
        }
        catch (RequestFailedException exception) when (exception.Status == 412)
        {
            return Written(await ResolveRejectedWriteAsync(table, record, writeId, WriteStatus.Conflict, cancellationToken), statusEvent);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return WriteResult.Failed(WriteStatus.NotFound);
        }
    }

    /// <summary>Deletes the row, with the status event it causes; with an ETag only if unchanged.</summary>
    public async Task<WriteStatus> DeleteAsync(ConnectionKey connection, string? etag, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken)
    {
        var table = await tables.ConnectionsAsync(cancellationToken);
        try
        {
            var response = await WriteAsync(table, new TableTransactionAction(TableTransactionActionType.Delete,
                new TableEntity(connection.UserId, connection.ConnectionId), etag is null ? ETag.All : new ETag(etag)), statusEvent, cancellationToken);
            snapshots.Put(connection, null);
            if (response.Status == 404)
            {
                return WriteStatus.NotFound;
            }

            if (statusEvent is not null)
            {
                statusEvents.Dispatch(statusEvent);
            }

            return WriteStatus.Written;
        }
        catch (RequestFailedException exception) when (exception.Status == 412)
        {
            return WriteStatus.Conflict;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            snapshots.Put(connection, null);
            return WriteStatus.NotFound;
        }
    }

    /// <summary>One write, or, with a status event, the write and the event's outbox row in one entity-group transaction.</summary>
    private static async Task<Response> WriteAsync(TableClient table, TableTransactionAction write, ConnectionStatusEvent? statusEvent, CancellationToken cancellationToken)
    {
        if (statusEvent is not null)
        {
            var outboxRow = new TableTransactionAction(TableTransactionActionType.Add, StatusEventOutbox.ToEntity(statusEvent));
            var responses = await table.SubmitTransactionAsync([write, outboxRow], cancellationToken);
            return responses.Value[0];
        }

        return write.ActionType switch
        {
            TableTransactionActionType.Add => await table.AddEntityAsync(write.Entity, cancellationToken),
            TableTransactionActionType.UpdateReplace => await table.UpdateEntityAsync(write.Entity, write.ETag, TableUpdateMode.Replace, cancellationToken),
            TableTransactionActionType.Delete => await table.DeleteEntityAsync(write.Entity.PartitionKey, write.Entity.RowKey, write.ETag, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(write), write.ActionType, "Not a connection write."),
        };
    }

    private WriteResult Written(WriteResult result, ConnectionStatusEvent? statusEvent)
    {
        Remember(result);
        if (result.Succeeded && statusEvent is not null)
        {
            statusEvents.Dispatch(statusEvent);
        }

        return result;
    }

    /// <summary>
    /// A 409/412 can answer a retry of a write that already landed (its first response was lost). The row's write id
    /// tells: if it is ours, the write succeeded.
    /// </summary>
    private async Task<WriteResult> ResolveRejectedWriteAsync(
        TableClient table, ConnectionRecord record, string writeId, WriteStatus rejection, CancellationToken cancellationToken)
    {
        var current = await table.GetEntityIfExistsAsync<TableEntity>(record.UserId, record.ConnectionId, cancellationToken: cancellationToken);
        if (current.HasValue && current.Value!.GetString(ConnectionEntityMapper.WriteIdProperty) == writeId)
        {
            LogLostResponseRecovered(logger, (int)rejection);
            return WriteResult.Written(record with { ETag = current.Value.ETag.ToString() });
        }

        return WriteResult.Failed(current.HasValue || rejection == WriteStatus.AlreadyExists ? rejection : WriteStatus.NotFound);
    }

    private WriteResult Remember(WriteResult result)
    {
        if (result.Record is { } written)
        {
            snapshots.Put(ConnectionKey.Of(written), written);
        }

        return result;
    }

    /// <summary>A record written here gets its ids checked once: read back, its key is trusted (<see cref="ConnectionKey.Of"/>).</summary>
    private static void Validate(ConnectionRecord record)
    {
        if (!ConnectionKey.TryCreate(record.UserId, record.ConnectionId, out _))
        {
            throw new ArgumentException("A connection record's user and connection ids must follow the id rule.", nameof(record));
        }

        if (record.RefreshTokenEnvelope.Length == 0)
        {
            throw new ArgumentException("A connection record always holds an encrypted refresh token.", nameof(record));
        }
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Warning,
        Message = "A write was rejected ({Rejection}) but the row carries its write id: the first attempt landed and its response was lost")]
    private static partial void LogLostResponseRecovered(ILogger logger, int rejection);
}
