using Credentials.ImportGrants;

// Imports the grants an older system holds, one JSON object a line (docs/operations.md, "Importing existing grants"):
//   CREDENTIALS_IMPORT_TOKEN=<caller token with credentials:import> \
//   dotnet run --project tools/ImportGrants -- --input grants.jsonl --service http://127.0.0.1:7071 [--progress <file>] [--parallel 4] [--retry-failed]
// The caller token comes from the environment, never an argument (it would land in shell history). Run it again after a
// crash: the progress file says which lines are done.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return await ImportCommand.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error, stop.Token);
