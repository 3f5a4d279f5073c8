using Credentials.Functions.AccessControl.Authress;
using Microsoft.Extensions.Options;

namespace Credentials.AuthorizationSetup;

/// <summary>
/// The command line of tools/AuthorizationSetup (docs/authorization.md, "Authorization as code"): applies roles.json and
/// one environment's grants, plus examples only when named, to an Authress account over https.
/// </summary>
public static class SetupCommand
{
    public const int Refused = 2;

    /// <param name="args">--environment &lt;name&gt; [--example &lt;name&gt;]… [--authress-url &lt;url&gt;] [--directory &lt;infra/authress&gt;] [--dry-run] [--required] [--allow-http-loopback]</param>
    /// <param name="environment">Reads AUTHRESS_DOMAIN, AUTHRESS_SETUP_ACCESS_KEY and AZURE_ENV_NAME.</param>
    public static async Task<int> RunAsync(string[] args, Func<string, string?> environment, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

        var directory = Arg("--directory") ?? AuthorizationSources.DefaultDirectory;
        var target = Arg("--environment") ?? environment("AZURE_ENV_NAME");
        var examples = args.Select((a, i) => (a, i)).Where(p => p.a == "--example" && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToList();
        var url = Arg("--authress-url") ?? environment("AUTHRESS_DOMAIN");
        var accessKey = environment("AUTHRESS_SETUP_ACCESS_KEY");
        var dryRun = args.Contains("--dry-run");
        if (string.IsNullOrWhiteSpace(url) || string.IsNullOrWhiteSpace(accessKey))
        {
            await error.WriteLineAsync("authorization setup: skipped. Set AUTHRESS_DOMAIN (or --authress-url) and AUTHRESS_SETUP_ACCESS_KEY, the access key of a " +
                "service client allowed to manage roles and access records, to apply " + directory + ".");
            return args.Contains("--required") ? Refused : 0;
        }

        if (string.IsNullOrWhiteSpace(target))
        {
            await error.WriteLineAsync("authorization setup: refused. Name the environment whose grants to apply: --environment <name> (or AZURE_ENV_NAME).");
            return Refused;
        }

        if (!AdministrationTokens.TryCheckUrl(url, args.Contains("--allow-http-loopback"), out var baseUrl, out var problem))
        {
            await error.WriteLineAsync("authorization setup: refused. " + problem);
            return Refused;
        }

        AuthorizationFile file;
        try
        {
            file = AuthorizationSources.Compose(directory, target, examples);
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or ArgumentException or System.Text.Json.JsonException)
        {
            await error.WriteLineAsync("authorization setup: refused. " + exception.Message);
            return Refused;
        }

        using var tokens = new AuthressServiceTokenProvider(Options.Create(new AuthressOptions { ApiBaseUrl = baseUrl, AccessKey = accessKey }), TimeProvider.System);
        using var http = new HttpClient(new AdministrationTokens(tokens)) { BaseAddress = baseUrl };
        var changes = await new AuthorizationApplier(http).ApplyAsync(file, dryRun, cancellationToken);
        var applied = string.Join(" + ", new[] { "roles", "environment " + target }.Concat(examples.Select(e => "example " + e)));
        await output.WriteLineAsync($"authorization setup{(dryRun ? " (dry run: nothing written)" : string.Empty)}: {applied} from {directory} → {baseUrl}");
        foreach (var change in changes)
        {
            await output.WriteLineAsync("  " + change);
        }

        return 0;
    }
}
