using System.Diagnostics;
using System.Text.Json;
using Credentials.ImportGrants;
using Credentials.SandboxProvider;

namespace Credentials.Benchmarks;

/// <summary>
/// Not a BenchmarkDotNet benchmark: tools/ImportGrants run against the dev host (the app's own composition, Azurite,
/// the local Authress endpoint) over HTTP, importing grants the sandbox provider issued to an older system. Reports lines
/// per minute and provider calls per line, counted at the sandbox's token endpoint.
/// </summary>
internal static class ImportThroughput
{
    public static async Task RunAsync(int lines, int parallel)
    {
        await using var stack = await BenchStack.StartAsync();
        var host = await stack.StartHostAsync(listener: stack.Listener);
        var directory = Directory.CreateTempSubdirectory("import-bench-").FullName;
        var input = Path.Combine(directory, "grants.jsonl");

        var issuing = Stopwatch.StartNew();
        var grants = new string[lines];
        using (var http = SandboxGrants.CreateClient())
        {
            var redirect = stack.Sandbox.Options.RedirectUris[0];
            await Parallel.ForEachAsync(Enumerable.Range(0, lines), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
            {
                var refreshToken = await SandboxGrants.IssueRefreshTokenAsync(http, stack.Sandbox.BaseAddress, stack.Sandbox.Options.ClientId,
                    stack.Sandbox.Options.ClientSecret, redirect, $"person-{i}", ["offline_access"], token);
                grants[i] = JsonSerializer.Serialize(new { userId = $"import-user-{i}", provider = BenchStack.ConnectionId, refreshToken });
            });
        }

        await File.WriteAllLinesAsync(input, grants);
        Console.WriteLine($"issued {lines} grants at the sandbox in {issuing.Elapsed.TotalSeconds:F1} s; importing with {parallel} at a time");

        var refreshesBefore = stack.Sandbox.RefreshGrants;
        var tokenRequestsBefore = stack.Sandbox.RefreshGrants + stack.Sandbox.CodeGrants;
        var token = stack.ImporterToken();
        var clock = Stopwatch.StartNew();
        var exit = await ImportCommand.RunAsync(
            ["--input", input, "--service", stack.PublicBase, "--parallel", parallel.ToString(System.Globalization.CultureInfo.InvariantCulture), "--progress-interval", "10"],
            name => name == ImportCommand.TokenVariable ? token : null, Console.Out, Console.Error, CancellationToken.None);
        clock.Stop();

        var refreshes = stack.Sandbox.RefreshGrants - refreshesBefore;
        var providerCalls = stack.Sandbox.RefreshGrants + stack.Sandbox.CodeGrants - tokenRequestsBefore;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            lines,
            parallel,
            exit,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            linesPerMinute = Math.Round(lines / clock.Elapsed.TotalMinutes),
            providerTokenCallsPerLine = Math.Round((double)providerCalls / lines, 3),
            refreshes,
            failedRefreshes = stack.Sandbox.FailedRefreshGrants,
            reusedRefreshTokens = stack.Sandbox.ReusedRefreshTokens,
            revocations = stack.Sandbox.Revocations,
        }));
        GC.KeepAlive(host);
        Directory.Delete(directory, recursive: true);
    }
}
