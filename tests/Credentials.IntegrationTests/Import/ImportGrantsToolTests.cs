using System.Text.Json;
using Credentials.Functions.Connections;
using Credentials.ImportGrants;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Import;

/// <summary>tools/ImportGrants against the running service and the sandbox provider: a file of good and bad lines, and a run that crashes and resumes.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class ImportGrantsToolTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("import-grants-").FullName;
    private ConnectStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ConnectStack.StartAsync(azurite);

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_file_of_good_and_bad_lines_reports_each_line_imported_skipped_or_failed_with_its_reason()
    {
        await _stack.ConnectAllAsync("busy-user", "sandbox");
        var revoked = await _stack.Sandbox.IssueRefreshTokenAsync("gone-person");
        await _stack.Sandbox.RevokeGrantsOfAsync("gone-person");
        var input = await WriteInputAsync(
            Line("b1", await _stack.Sandbox.IssueRefreshTokenAsync("p1")),
            "{ not json",
            Line("b2", await _stack.Sandbox.IssueRefreshTokenAsync("p2"), connectionId: "calendar"),
            Line("b3", revoked),
            Line("busy-user", await _stack.Sandbox.IssueRefreshTokenAsync("p4")),
            "",
            JsonSerializer.Serialize(new { provider = "sandbox", refreshToken = "x" }),
            Line("b5", "rt", provider: "nope"));

        var (exit, output) = await RunAsync(input);

        Assert.Equal(ImportCommand.SomeFailed, exit);
        var report = Report(input);
        Assert.Equal(
            [
                (1, "imported", null), (2, "failed", "invalid_line"), (3, "imported", null), (4, "failed", "import_grant_rejected"),
                (5, "skipped", "connection_in_use"), (7, "failed", "invalid_line"), (8, "failed", "unknown_provider"),
            ],
            report.Select(r => (r.Line, r.Outcome, r.Reason?.Split(':')[0])).OrderBy(r => r.Line));
        Assert.Contains("2 imported, 1 skipped, 4 failed", output, StringComparison.Ordinal);
        Assert.Contains("line 4: failed (b3/sandbox): import_grant_rejected", output, StringComparison.Ordinal);
        Assert.NotNull(await RecordAsync("b1", "sandbox"));
        Assert.NotNull(await RecordAsync("b2", "calendar"));
        Assert.Null(await RecordAsync("b3", "sandbox"));
        Assert.DoesNotContain(revoked, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_that_crashed_resumes_where_it_stopped_and_a_line_whose_answer_was_lost_is_not_imported_twice()
    {
        var lines = new List<string>();
        for (var i = 1; i <= 6; i++)
        {
            lines.Add(Line($"r{i}", await _stack.Sandbox.IssueRefreshTokenAsync($"person-{i}")));
        }

        var input = await WriteInputAsync([.. lines]);

        // The process dies right after the service answered line 3: that line's import happened, its report line did not.
        using (var crash = new CancellationTokenSource())
        using (var handler = new CrashAfterAnswers(3, crash))
        {
            var (crashed, _) = await RunAsync(input, handler, crash.Token);
            Assert.Equal(ImportCommand.Stopped, crashed);
        }

        Assert.Equal([1, 2], Report(input).Select(r => r.Line).Order());
        Assert.Equal(3, _stack.Sandbox.RefreshGrants);

        var (resumed, output) = await RunAsync(input);

        Assert.Equal(0, resumed);
        var report = Report(input);
        Assert.Equal([1, 2, 3, 4, 5, 6], report.Select(r => r.Line).Order());
        Assert.Equal(("skipped", "already_imported"), report.Where(r => r.Line == 3).Select(r => (r.Outcome, r.Reason)).Single());
        Assert.Contains("3 imported, 1 skipped, 0 failed", output, StringComparison.Ordinal);
        Assert.Equal((6, 0, 0), (_stack.Sandbox.RefreshGrants, _stack.Sandbox.FailedRefreshGrants, _stack.Sandbox.ReusedRefreshTokens));
        for (var i = 1; i <= 6; i++)
        {
            Assert.NotNull(await RecordAsync($"r{i}", "sandbox"));
        }

        var (again, rerun) = await RunAsync(input);
        Assert.Equal(0, again);
        Assert.Contains("0 imported, 0 skipped, 0 failed", rerun, StringComparison.Ordinal);
        Assert.Equal(6, _stack.Sandbox.RefreshGrants);
    }

    private static string Line(string userId, string refreshToken, string? connectionId = null, string provider = "sandbox") =>
        JsonSerializer.Serialize(new { userId, connectionId, provider, refreshToken });

    private async Task<string> WriteInputAsync(params string[] lines)
    {
        var path = Path.Combine(_directory, "grants.jsonl");
        await File.WriteAllLinesAsync(path, lines);
        return path;
    }

    private async Task<(int Exit, string Output)> RunAsync(string input, HttpMessageHandler? handler = null, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var token = _stack.CallerToken(ConnectStack.Importer);
        var exit = await ImportCommand.RunAsync(
            ["--input", input, "--service", _stack.Host.BaseAddress.ToString(), "--parallel", "1", "--retry-delay-ms", "50"],
            name => name == ImportCommand.TokenVariable ? token : null, output, error, cancellationToken, handler);
        return (exit, output + error.ToString());
    }

    private static List<LineResult> Report(string input) =>
        File.ReadAllLines(input + ".progress.jsonl").Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<LineResult>(l)!).ToList();

    private Task<ConnectionRecord?> RecordAsync(string userId, string connectionId) =>
        _stack.Host.Services.GetRequiredService<ConnectionStore>().GetAsync(ConnectionKeys.Of(userId, connectionId), CancellationToken.None);

    /// <summary>Passes requests to the service and, once it has answered <paramref name="answers"/> of them, kills the run before the last answer is read.</summary>
    private sealed class CrashAfterAnswers(int answers, CancellationTokenSource crash) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _answered;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Interlocked.Increment(ref _answered) >= answers)
            {
                response.Dispose();
                await crash.CancelAsync();
                throw new OperationCanceledException(crash.Token);
            }

            return response;
        }
    }
}
