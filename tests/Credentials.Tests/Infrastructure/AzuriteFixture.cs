using System.Diagnostics;
using Azure.Data.Tables;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Infrastructure;

/// <summary>One in-memory Azurite table service per test collection, on a free port, stopped and waited for at the end.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // Azurite's published development account; it authorizes nothing outside a local emulator.
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private Process? _process;

    public int TablePort { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    public async Task InitializeAsync()
    {
        TablePort = FreePort.Next();
        var start = new ProcessStartInfo(RepositoryPaths.NodeBin("azurite-table"))
        {
            ArgumentList = { "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--inMemoryPersistence", "--disableTelemetry", "--silent", "--skipApiVersionCheck" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await FreePort.WaitUntilListeningAsync(TablePort, TimeSpan.FromSeconds(30));
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
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
