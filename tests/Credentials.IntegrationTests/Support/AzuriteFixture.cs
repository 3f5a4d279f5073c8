using System.Diagnostics;
using Azure.Data.Tables;
using Credentials.Functions.Connections;
using Credentials.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Support;

/// <summary>
/// In-memory Azurite table and queue services per test collection, each started on port 0 and asked which port it bound,
/// stopped and waited for at the end.
/// </summary>
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
        var table = StartAsync("azurite-table", "--tableHost", "--tablePort");
        var queue = StartAsync("azurite-queue", "--queueHost", "--queuePort");
        TablePort = await table;
        QueuePort = await queue;
    }

    private async Task<int> StartAsync(string tool, string hostOption, string portOption)
    {
        var start = new ProcessStartInfo(RepositoryPaths.NodeBin(tool))
        {
            ArgumentList = { hostOption, "127.0.0.1", portOption, "0", "--inMemoryPersistence", "--disableTelemetry", "--silent", "--skipApiVersionCheck" },
            Environment = { ["NODE_OPTIONS"] = "--require " + Path.Combine(RepositoryPaths.Root, "tools", "scripts", "report-listening-port.cjs") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        _processes.Add(process);
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                output.Enqueue(text);
                if (text.StartsWith(ListeningPrefix, StringComparison.Ordinal))
                {
                    port.TrySetResult(int.Parse(text.AsSpan(ListeningPrefix.Length), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        };
        process.ErrorDataReceived += (_, line) => output.Enqueue(line.Data ?? string.Empty);
        process.Exited += (_, _) => port.TrySetException(new InvalidOperationException($"{tool} exited: {string.Join('\n', output)}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return await port.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"{tool} reported no listening port within 30 s: {string.Join('\n', output)}");
        }
    }

    private const string ListeningPrefix = "listening-port ";

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
