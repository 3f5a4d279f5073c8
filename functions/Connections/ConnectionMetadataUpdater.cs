using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Connections;

public enum MetadataUpdateFailureReason
{
    NotFound,

    /// <summary>The result would break <see cref="MetadataTags"/>' rules; nothing was written.</summary>
    Invalid,
}

public sealed record MetadataUpdateFailure(MetadataUpdateFailureReason Reason, string Detail);

/// <summary>
/// Changes a connection's metadata tags with an RFC 7396 merge patch, conditionally on the version read (retried on a
/// concurrent write, such as a refresh). Status and tokens stay as they are, so no status event is raised.
/// </summary>
public sealed partial class ConnectionMetadataUpdater(ConnectionStore store, TimeProvider time, ILogger<ConnectionMetadataUpdater> logger)
{
    private const int MaxWriteAttempts = 5;

    public async Task<Result<ConnectionRecord, MetadataUpdateFailure>> UpdateAsync(
        ConnectionKey connection, IReadOnlyDictionary<string, string?> patch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patch);
        for (var attempt = 1; ; attempt++)
        {
            if (await store.GetAsync(connection, cancellationToken) is not { } current)
            {
                return new MetadataUpdateFailure(MetadataUpdateFailureReason.NotFound, "No such connection.");
            }

            if (MetadataTags.Validate(MetadataTags.Merge(current.Metadata, patch), out var problem) is not { } merged)
            {
                return new MetadataUpdateFailure(MetadataUpdateFailureReason.Invalid, problem!);
            }

            var written = await store.ReplaceAsync(current with { Metadata = merged, UpdatedAt = time.GetUtcNow() }, cancellationToken);
            switch (written.Status)
            {
                case WriteStatus.Written:
                    LogMetadataUpdated(logger, current.ProviderId, merged.Count);
                    return written.Record!;
                case WriteStatus.NotFound:
                    return new MetadataUpdateFailure(MetadataUpdateFailureReason.NotFound, "No such connection.");
                case WriteStatus.Conflict when attempt == MaxWriteAttempts:
                    throw new InvalidOperationException($"The metadata could not be saved after {MaxWriteAttempts} concurrent-write retries.");
            }
        }
    }

    [LoggerMessage(EventId = 3070, Level = LogLevel.Information, Message = "A {ProviderId} connection's metadata was updated; it now has {TagCount} tags")]
    private static partial void LogMetadataUpdated(ILogger logger, string providerId, int tagCount);
}
