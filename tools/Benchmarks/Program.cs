using System.Globalization;
using BenchmarkDotNet.Running;
using Credentials.Benchmarks;

// `maintenance [connections] [concurrency]` runs the end-to-end maintenance measurement; anything else goes to BenchmarkDotNet.
if (args is ["maintenance", ..])
{
    await MaintenanceThroughput.RunAsync(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4);
    return;
}

// `maintenance-fanout [connections]`: the queued maintenance lap with 1, then 3 dev host instances, side by side.
if (args is ["maintenance-fanout", ..])
{
    await MaintenanceFanOut.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000, [1, 3]);
    return;
}

// `load [seconds] [connections]` runs the HTTP load measurement of the token hand-out against the dev host.
if (args is ["load", ..])
{
    await LoadBenchmark.RunAsync(
        TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8),
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16);
    return;
}

// `soak [seconds] [connections]` and `slow-storage [seconds] [connections]`: three instances under load, storage fast or slower than the lease.
if (args is ["soak" or "slow-storage", ..])
{
    await OverloadRuns.RunAsync(
        TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 120),
        args[0] == "slow-storage",
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8);
    return;
}

// `proxy [seconds] [connections]` compares a proxied call with a direct call to the same local API.
if (args is ["proxy", ..])
{
    await ProxyOverhead.RunAsync(
        TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8),
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16);
    return;
}

// `import [lines] [parallel]` runs tools/ImportGrants against the dev host, importing grants the sandbox issued.
if (args is ["import", ..])
{
    await ImportThroughput.RunAsync(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(EnvelopeBenchmarks).Assembly).Run(args);
