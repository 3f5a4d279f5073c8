using Credentials.AuthorizationSetup;

// Applies infra/authress/roles.json and one environment's grants to an Authress account (docs/authorization.md,
// "Authorization as code"):
//   dotnet run --project tools/AuthorizationSetup -- --environment prod [--authress-url https://login.example.com] [--dry-run]
// Examples (infra/authress/examples/<name>.json) only with --example <name>. The service client's access key comes from
// AUTHRESS_SETUP_ACCESS_KEY (never an argument: it would land in shell history).
return await SetupCommand.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error, CancellationToken.None);
