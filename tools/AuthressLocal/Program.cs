using Credentials.AuthressLocal;

// Local stand-in for Authress: `dotnet run --project tools/AuthressLocal -- --urls http://127.0.0.1:7072 --grants roles.json,grants.json --service-client-key <access key>`
string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

// The shared roles and the sample callers: a local run grants what the examples describe, never an environment's callers.
var grants = Grants.Load(Arg("--grants", "infra/authress/roles.json,infra/authress/examples/sample-callers.json").Split(',', StringSplitOptions.RemoveEmptyEntries));
var accessKey = Arg("--service-client-key", Environment.GetEnvironmentVariable("Authress__AccessKey") ?? string.Empty);

// The account is the one the app's access key belongs to, so the app's tokens carry this account's aud.
var accountId = accessKey.Split('.') is [_, _, var account, _] ? account : AuthressLocalServer.DefaultAccountId;
await using var server = await AuthressLocalServer.StartAsync(Arg("--urls", "http://127.0.0.1:7072"), grants, accountId);
if (!string.IsNullOrEmpty(accessKey))
{
    server.AddServiceClient(accessKey);
}

Console.WriteLine($"Authress-compatible local endpoint at {server.BaseAddress} (account {accountId}; service clients: {string.Join(", ", server.ServiceClients.Ids)})");
Console.WriteLine($"Mint a caller token: curl -s -X POST {server.BaseAddress}local/tokens -H 'content-type: application/json' -d '{{\"sub\":\"sc_nightly_sync\"}}'");
await server.WaitForShutdownAsync();
