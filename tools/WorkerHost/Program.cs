using Credentials.WorkerHost;

// run.sh --worker: the built app under this host on http://127.0.0.1:$PORT until Ctrl-C or the worker exits.
using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stopping.Cancel();

await using var host = await WorkerHostApplication.StartAsync(WorkerHostSettings.FromCommandLine(args), stopping.Token);
await host.RunAsync(stopping.Token);
