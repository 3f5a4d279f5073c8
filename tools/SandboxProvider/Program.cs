using System.Globalization;
using Credentials.SandboxProvider;

// Local OAuth provider for people and run.sh:
// `dotnet run --project tools/SandboxProvider -- --urls http://127.0.0.1:7073 --redirect-uri http://127.0.0.1:7071/api/oauth/callback/sandbox`
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

var options = new SandboxProviderOptions
{
    ClientId = Arg("--client-id") ?? "credentials-service",
    ClientSecret = Arg("--client-secret") ?? Environment.GetEnvironmentVariable("SANDBOX_CLIENT_SECRET") ?? "sandbox-secret",
    RotateRefreshTokens = !args.Contains("--no-rotation"),
    DetectRefreshTokenReuse = !args.Contains("--no-reuse-detection"),
    AccessTokenLifetime = TimeSpan.FromSeconds(int.Parse(Arg("--access-token-seconds") ?? "3600", CultureInfo.InvariantCulture)),
};
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--redirect-uri")
    {
        options.RedirectUris.Add(new Uri(args[i + 1]));
    }
    else if (args[i] == "--api-key")
    {
        // An API key the keyed API (/keyed/...) accepts, standing for sandbox-user-1.
        options.ApiKeys[args[i + 1]] = "sandbox-user-1";
    }
}

await using var server = await SandboxProviderServer.StartAsync(Arg("--urls") ?? "http://127.0.0.1:7073", options);
Console.WriteLine($"Sandbox OAuth provider at {server.BaseAddress} (client {options.ClientId}; rotation {options.RotateRefreshTokens}, reuse detection {options.DetectRefreshTokenReuse})");
await server.WaitForShutdownAsync();
