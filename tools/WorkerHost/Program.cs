using Credentials.WorkerHost;

// run.sh --worker: the built app under this host on http://127.0.0.1:$PORT until Ctrl-C, SIGTERM or the worker exits.
await using var host = await WorkerHostApplication.StartAsync(WorkerHostSettings.FromCommandLine(args));
await host.RunAsync(CancellationToken.None);
