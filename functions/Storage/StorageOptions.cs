namespace Credentials.Functions.Storage;

public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Connection string (Azurite locally). In Azure leave unset and use <see cref="TableServiceUri"/> with the managed identity.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Table service endpoint, e.g. <c>https://account.table.core.windows.net/</c>, reached with the managed identity.</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>Queue service endpoint for status events, reached with the managed identity (with <see cref="TableServiceUri"/>).</summary>
    public Uri? QueueServiceUri { get; set; }

    public string ConnectionsTable { get; set; } = "Connections";

    public string AuditTable { get; set; } = "CredentialAudit";

    /// <summary>Single-use OAuth state records of connections being authorized.</summary>
    public string OAuthStatesTable { get; set; } = "OAuthStates";

    /// <summary>Where the maintenance walk keeps its cursor, and the providers' rate limits the instances share.</summary>
    public string MaintenanceTable { get; set; } = "Maintenance";

    /// <summary>
    /// Work items of the maintenance walk: the timer queues them, the <c>MaintenanceWork</c> queue trigger processes them
    /// on every instance; after <c>maxDequeueCount</c> failed attempts (host.json) an item moves to <c>&lt;name&gt;-poison</c>.
    /// </summary>
    public string MaintenanceQueue { get; set; } = "maintenance-work";

    /// <summary>Queue that receives a JSON event whenever a connection's status changes.</summary>
    public string StatusEventsQueue { get; set; } = "connection-status-events";

    /// <summary>
    /// How often an instance retries status events it could not queue. Events are kept in the outbox rows meanwhile;
    /// ones an instance never got to retry (it stopped) are sent by the next maintenance walk over their partition.
    /// </summary>
    public TimeSpan StatusEventRetryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How old a connection record an instance may serve an access token from (0: read the table every time). The bound
    /// on how long a disconnect or a lost grant on another instance takes to be seen here; this instance's own writes are
    /// seen at once.
    /// </summary>
    public TimeSpan ConnectionSnapshotLifetime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// When reading a record anew takes longer than a quarter of a second (storage under overload), a snapshot up to this
    /// old keeps serving while the read goes on: slow storage slows the bound on seeing another instance's disconnect, not
    /// the answers. Zero: always wait for the read.
    /// </summary>
    public TimeSpan ConnectionSnapshotMaxStaleness { get; set; } = TimeSpan.FromSeconds(30);
}
