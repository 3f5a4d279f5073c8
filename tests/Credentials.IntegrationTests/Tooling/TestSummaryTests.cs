using System.Diagnostics;
using Credentials.Tests.Support;

namespace Credentials.Tests.Tooling;

/// <summary>The closing line CI reads (<c>tools/scripts/test-summary.mjs</c>) never says "0 failed" for a run that failed.</summary>
public sealed class TestSummaryTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("trx-").FullName;

    [Fact]
    public async Task A_test_project_that_wrote_no_results_counts_as_a_failure()
    {
        WriteTrx("unit.trx", total: 3, passed: 3);

        var (line, exitCode) = await SummarizeAsync(new() { ["EXPECTED_RESULTS"] = "2" });

        Assert.Equal("3 passed, 1 failed, 0 skipped", line);
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task An_inconclusive_test_counts_as_a_failure()
    {
        WriteTrx("unit.trx", total: 3, passed: 2, inconclusive: 1);

        var (line, exitCode) = await SummarizeAsync(new() { ["EXPECTED_RESULTS"] = "1" });

        Assert.Equal("2 passed, 1 failed, 0 skipped", line);
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task A_failed_dotnet_test_is_never_zero_failed_even_when_every_result_passed()
    {
        WriteTrx("unit.trx", total: 3, passed: 3);

        var (line, exitCode) = await SummarizeAsync(new() { ["EXPECTED_RESULTS"] = "1", ["DOTNET_TEST_STATUS"] = "1" });

        Assert.Equal("3 passed, 1 failed, 0 skipped", line);
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task A_complete_green_run_is_green()
    {
        WriteTrx("unit.trx", total: 3, passed: 3);
        WriteTrx("integration.trx", total: 2, passed: 1, skipped: 1);

        var (line, exitCode) = await SummarizeAsync(new() { ["EXPECTED_RESULTS"] = "2", ["DOTNET_TEST_STATUS"] = "0" });

        Assert.Equal("4 passed, 0 failed, 1 skipped", line);
        Assert.Equal(0, exitCode);
    }

    public void Dispose() => Directory.Delete(_results, recursive: true);

    private void WriteTrx(string name, int total, int passed, int inconclusive = 0, int skipped = 0) =>
        File.WriteAllText(Path.Combine(_results, name), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <ResultSummary outcome="Completed">
                <Counters total="{total}" executed="{total - skipped}" passed="{passed}" failed="0" error="0" timeout="0" aborted="0" inconclusive="{inconclusive}" notExecuted="{skipped}" />
              </ResultSummary>
            </TestRun>
            """);

    private async Task<(string Line, int ExitCode)> SummarizeAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "tools", "scripts", "test-summary.mjs"));
        start.ArgumentList.Add(_results);
        start.Environment.Remove("EXTRA_FAILED");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var node = Process.Start(start)!;
        var output = await node.StandardOutput.ReadToEndAsync();
        await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        return (output.Trim(), node.ExitCode);
    }
}
