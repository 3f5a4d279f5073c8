using Credentials.AuthorizationSetup;
using Credentials.Functions.AccessControl.Authress;
using Microsoft.Extensions.Options;

// Applies infra/authress/authorization.json to an Authress account (docs/authorization.md, "Authorization as code"):
//   dotnet run --project tools/AuthorizationSetup -- --authress-url https://login.example.com [--file …] [--dry-run]
// The service client's access key comes from AUTHRESS_SETUP_ACCESS_KEY (never an argument: it would land in shell history).
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

var file = Arg("--file") ?? "infra/authress/authorization.json";
var url = Arg("--authress-url") ?? Environment.GetEnvironmentVariable("AUTHRESS_DOMAIN");
var accessKey = Environment.GetEnvironmentVariable("AUTHRESS_SETUP_ACCESS_KEY");
var dryRun = args.Contains("--dry-run");
if (string.IsNullOrWhiteSpace(url) || string.IsNullOrWhiteSpace(accessKey))
{
    Console.Error.WriteLine("authorization setup: skipped. Set AUTHRESS_DOMAIN (or --authress-url) and AUTHRESS_SETUP_ACCESS_KEY, the access key of a " +
        "service client allowed to manage roles and access records, to apply " + file + ".");
    return args.Contains("--required") ? 2 : 0;
}

var baseUrl = new Uri(url.EndsWith('/') ? url : url + "/");
using var tokens = new AuthressServiceTokenProvider(Options.Create(new AuthressOptions { ApiBaseUrl = baseUrl, AccessKey = accessKey }), TimeProvider.System);
using var http = new HttpClient { BaseAddress = baseUrl };
http.DefaultRequestHeaders.Authorization = new("Bearer", tokens.GetToken());

var changes = await new AuthorizationApplier(http).ApplyAsync(AuthorizationFile.Load(file), dryRun, CancellationToken.None);
Console.WriteLine($"authorization setup{(dryRun ? " (dry run: nothing written)" : string.Empty)}: {file} → {baseUrl}");
foreach (var change in changes)
{
    Console.WriteLine("  " + change);
}

return 0;
