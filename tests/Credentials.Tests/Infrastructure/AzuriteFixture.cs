using System.Diagnostics;
using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Infrastructure;

/// <summary>In-memory Azurite table and queue services per test collection, on free ports, stopped and waited for at the end.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // Azurite's published development account; it authorizes nothing outside a local emulator.
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly List<Process> _processes = [];

    public int TablePort { get; private set; }

    public int QueuePort { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};";

    public async Task InitializeAsync()
    {
        TablePort = FreePort.Next();
        QueuePort = FreePort.Next();
        Start("azurite-table", "--tableHost", "127.0.0.1", "--tablePort", TablePort);
        Start("azurite-queue", "--queueHost", "127.0.0.1", "--queuePort", QueuePort);
        await FreePort.WaitUntilListeningAsync(TablePort, TimeSpan.FromSeconds(30));
        await FreePort.WaitUntilListeningAsync(QueuePort, TimeSpan.FromSeconds(30));
    }

    private void Start(string tool, string hostOption, string host, string portOption, int port)
    {
        var start = new ProcessStartInfo(RepositoryPaths.NodeBin(tool))
        {
            ArgumentList = { hostOption, host, portOption, port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--inMemoryPersistence", "--disableTelemetry", "--silent", "--skipApiVersionCheck" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    public TableServiceClient CreateServiceClient(TableClientOptions? options = null) => new(ConnectionString, options ?? new TableClientOptions());

    /// <summary>Table access with table names unique to the caller, so tests sharing one Azurite never see each other's rows.</summary>
    public StorageTables CreateIsolatedTables(TableClientOptions? options = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var storage = new StorageOptions { ConnectionString = ConnectionString, ConnectionsTable = "Connections" + suffix, AuditTable = "Audit" + suffix };
        return new StorageTables(CreateServiceClient(options), Options.Create(storage));
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
