using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace Credentials.ImportGrants;

/// <summary>
/// The command line of tools/ImportGrants (docs/operations.md, "Importing existing grants"): reads the input, resumes
/// from the progress file, shows progress on the error stream, and sums up. Exit codes: 0 every line imported or
/// skipped, 1 some failed (the progress file says which and why), 2 refused to start, 3 stopped early.
/// </summary>
public static class ImportCommand
{
    public const int SomeFailed = 1;
    public const int Refused = 2;
    public const int Stopped = 3;
    public const string TokenVariable = "CREDENTIALS_IMPORT_TOKEN";

    /// <param name="args">--input &lt;file.jsonl&gt; --service &lt;base URL&gt; [--progress &lt;file&gt;] [--parallel &lt;n&gt;] [--retry-failed] [--progress-interval &lt;seconds&gt;]</param>
    /// <param name="environment">Reads <see cref="TokenVariable"/>: the caller token, with <c>credentials:import</c>.</param>
    /// <param name="handler">The HTTP handler to send with (tests); null: a new one.</param>
    public static async Task<int> RunAsync(string[] args, Func<string, string?> environment, TextWriter output, TextWriter error, CancellationToken cancellationToken,
        HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

        var input = Arg("--input");
        var service = Arg("--service");
        var token = environment(TokenVariable);
        if (input is null || !File.Exists(input) || !Uri.TryCreate(service, UriKind.Absolute, out var baseAddress) || string.IsNullOrWhiteSpace(token))
        {
            await error.WriteLineAsync("import: refused. Usage: " + TokenVariable + "=<caller token with credentials:import> import --input <grants.jsonl> " +
                "--service <base URL, e.g. http://127.0.0.1:7071> [--progress <file>] [--parallel <n>] [--retry-failed]. The input must exist.");
            return Refused;
        }

        var parallel = int.TryParse(Arg("--parallel"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 64 ? p : 4;
        var interval = TimeSpan.FromSeconds(int.TryParse(Arg("--progress-interval"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 2);
        var progressPath = Arg("--progress") ?? input + ".progress.jsonl";
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(baseAddress.AbsoluteUri.TrimEnd('/') + "/");
        http.Timeout = TimeSpan.FromSeconds(60);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var progress = ProgressFile.Open(progressPath);
        var run = new ImportRun(http, progress, output, parallel, args.Contains("--retry-failed"))
        {
            RetryDelay = TimeSpan.FromMilliseconds(int.TryParse(Arg("--retry-delay-ms"), NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : 1000),
        };
        var clock = Stopwatch.StartNew();
        using var stopReporting = new CancellationTokenSource();
        var reporter = ReportProgressAsync(run, clock, error, interval, stopReporting.Token);
        try
        {
            await run.RunAsync(input, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stopReporting.CancelAsync();
            await reporter;
            await error.WriteLineAsync($"import: interrupted; {Describe(run)}. Run the same command again to continue from {progressPath}.");
            return Stopped;
        }

        await stopReporting.CancelAsync();
        await reporter;
        var rate = run.Imported + run.Skipped + run.Failed is var sent and > 0 ? sent / clock.Elapsed.TotalMinutes : 0;
        await output.WriteLineAsync($"import: {Describe(run)} in {clock.Elapsed.TotalSeconds:F1} s ({rate:F0} lines per minute); " +
            $"{run.AlreadyDone} finished in an earlier run. Report: {progressPath}");
        if (run.AbortReason is { } reason)
        {
            await error.WriteLineAsync("import: stopped early: " + reason);
            return Stopped;
        }

        return run.Failed > 0 || progress.Done.Values.Any(r => r.Outcome == LineOutcomes.Failed && !args.Contains("--retry-failed")) ? SomeFailed : 0;
    }

    private static string Describe(ImportRun run) => $"{run.Imported} imported, {run.Skipped} skipped, {run.Failed} failed";

    private static async Task ReportProgressAsync(ImportRun run, Stopwatch clock, TextWriter error, TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var sent = run.Imported + run.Skipped + run.Failed;
                var perMinute = sent / clock.Elapsed.TotalMinutes;
                var left = run.ToSend - sent;
                var eta = perMinute > 0 ? TimeSpan.FromMinutes(left / perMinute) : (TimeSpan?)null;
                await error.WriteLineAsync($"import: {sent}/{run.ToSend} lines ({(run.ToSend == 0 ? 100 : 100.0 * sent / run.ToSend):F1} %): {Describe(run)}; " +
                    $"{perMinute:F0} lines per minute{(eta is { } e ? $", about {e:hh\\:mm\\:ss} left" : string.Empty)}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
