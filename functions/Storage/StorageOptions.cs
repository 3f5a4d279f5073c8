namespace Credentials.Functions.Storage;

public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Connection string (Azurite locally). In Azure leave unset and use <see cref="TableServiceUri"/> with the managed identity.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Table service endpoint, e.g. <c>https://account.table.core.windows.net/</c>, reached with the managed identity.</summary>
    public Uri? TableServiceUri { get; set; }

    public string ConnectionsTable { get; set; } = "Connections";

    public string AuditTable { get; set; } = "CredentialAudit";

    /// <summary>Single-use OAuth state records of connections being authorized.</summary>
    public string OAuthStatesTable { get; set; } = "OAuthStates";
}
