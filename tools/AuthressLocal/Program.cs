using Credentials.AuthressLocal;
using NSec.Cryptography;

// Local stand-in for Authress: `dotnet run --project tools/AuthressLocal -- --urls http://127.0.0.1:7072 --grants roles.json,grants.json --service-client-key <access key>`
string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

// The shared roles and the sample callers: a local run grants what the examples describe, never an environment's callers.
var grants = Grants.Load(Arg("--grants", "infra/authress/roles.json,infra/authress/examples/sample-callers.json").Split(',', StringSplitOptions.RemoveEmptyEntries));
var serviceClients = new Dictionary<string, PublicKey>(StringComparer.Ordinal);
var accessKey = Arg("--service-client-key", Environment.GetEnvironmentVariable("Authress__AccessKey") ?? string.Empty);
if (accessKey.Split('.') is [var clientId, _, _, var privateKey])
{
    var der = Convert.FromBase64String(privateKey);
    using var key = Key.Import(SignatureAlgorithm.Ed25519, der.AsSpan(16, 32), KeyBlobFormat.RawPrivateKey);
    serviceClients[clientId] = key.PublicKey;
    Array.Clear(der);
}

await using var server = await AuthressLocalServer.StartAsync(Arg("--urls", "http://127.0.0.1:7072"), grants, serviceClients);
Console.WriteLine($"Authress-compatible local endpoint at {server.BaseAddress} (service clients: {string.Join(", ", serviceClients.Keys)})");
Console.WriteLine($"Mint a caller token: curl -s -X POST {server.BaseAddress}local/tokens -H 'content-type: application/json' -d '{{\"sub\":\"sc_nightly_sync\"}}'");
await server.WaitForShutdownAsync();
