using System.Diagnostics;

namespace Credentials.Benchmarks;

/// <summary>
/// Azurite's table and queue services in memory, each started on port 0 (tools/scripts/report-listening-port.cjs makes
/// it print the port it bound), killed on dispose.
/// </summary>
internal sealed class LocalAzurite : IDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _table;
    private readonly Process _queue;

    private LocalAzurite(Process table, Process queue)
    {
        _table = table;
        _queue = queue;
        TablePort = ListeningPort(table);
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{ListeningPort(queue)}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public int TablePort { get; }

    /// <summary>CPU time Azurite's processes have used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _table.Refresh();
            _queue.Refresh();
            return _table.TotalProcessorTime + _queue.TotalProcessorTime;
        }
    }

    public static LocalAzurite Start() =>
        new(StartNode(RepositoryRoot.Path, "azurite-table", "--tablePort"), StartNode(RepositoryRoot.Path, "azurite-queue", "--queuePort"));

    public void Dispose()
    {
        foreach (var process in new[] { _table, _queue })
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }

    private static Process StartNode(string root, string tool, string portOption)
    {
        var start = new ProcessStartInfo(System.IO.Path.Combine(root, "node_modules", ".bin", tool))
        {
            ArgumentList = { portOption, "0", "--inMemoryPersistence", "--silent", "--disableTelemetry", "--skipApiVersionCheck" },
            Environment = { ["NODE_OPTIONS"] = "--require " + System.IO.Path.Combine(root, "tools", "scripts", "report-listening-port.cjs") },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        return Process.Start(start)!;
    }

    private static int ListeningPort(Process azurite)
    {
        const string Prefix = "listening-port ";
        while (azurite.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                _ = azurite.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                return int.Parse(line.AsSpan(Prefix.Length), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("Azurite exited before it listened.");
    }
}

/// <summary>The repository root (where CredentialsFunctions.sln is), for node_modules and scripts.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "CredentialsFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the repository.");
    }
}
