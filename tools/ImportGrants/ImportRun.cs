using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Credentials.ImportGrants;

/// <summary>
/// Sends each unfinished line of the input to the service's import route, a few at a time, and records each result in
/// the progress file as it comes. Only answers that mean nothing happened (throttling, a store or Authress briefly
/// unavailable, no connection) are retried; a provider that did not answer is not, because it may have rotated the token.
/// </summary>
public sealed class ImportRun(HttpClient http, ProgressFile progress, TextWriter output, int parallel, bool retryFailed)
{
    private const int MaxAttempts = 4;
    private static readonly string[] RetriedCodes = ["rate_limited", "authorization_unavailable", "audit_unavailable", "storage_unavailable", "refresh_busy"];
    private int _imported;
    private int _skipped;
    private int _failed;

    public int Imported => Volatile.Read(ref _imported);

    public int Skipped => Volatile.Read(ref _skipped);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Lines finished in an earlier run and not sent again.</summary>
    public int AlreadyDone { get; private set; }

    /// <summary>Lines this run has to send.</summary>
    public int ToSend { get; private set; }

    /// <summary>Set when the run stopped early: the caller token was refused, so every further line would fail the same way.</summary>
    public string? AbortReason { get; private set; }

    /// <summary>Delay before retrying a refused-but-harmless answer without <c>Retry-After</c>; tests shorten it.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public async Task RunAsync(string inputPath, CancellationToken cancellationToken)
    {
        var pending = new List<(int Number, string Text)>();
        var number = 0;
        foreach (var text in File.ReadLines(inputPath))
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (progress.Done.TryGetValue(number, out var done) && !(retryFailed && done.Outcome == LineOutcomes.Failed))
            {
                AlreadyDone++;
                continue;
            }

            pending.Add((number, text));
        }

        ToSend = pending.Count;
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = abort.Token }, async (line, token) =>
            {
                var result = await ImportLineAsync(line.Number, line.Text, abort, token);
                if (result is null)
                {
                    return;
                }

                progress.Record(result);
                Interlocked.Increment(ref result.Outcome == LineOutcomes.Imported ? ref _imported : ref result.Outcome == LineOutcomes.Skipped ? ref _skipped : ref _failed);
                if (result.Outcome == LineOutcomes.Failed)
                {
                    await output.WriteLineAsync($"line {result.Line}: failed ({result.UserId}/{result.ConnectionId}): {result.Reason}");
                }
            });
        }
        catch (OperationCanceledException) when (AbortReason is not null && !cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The line's result, or null when the run is stopping and the line stays unfinished.</summary>
    private async Task<LineResult?> ImportLineAsync(int number, string text, CancellationTokenSource abort, CancellationToken cancellationToken)
    {
        var (line, error) = GrantLine.Parse(text);
        if (line is null)
        {
            return new LineResult(number, null, null, LineOutcomes.Failed, $"invalid_line: {error}");
        }

        LineResult Result(string outcome, string? reason, int? status = null) => new(number, line.UserId, line.Connection, outcome, reason, status);
        var uri = $"api/users/{Uri.EscapeDataString(line.UserId!)}/connections/{Uri.EscapeDataString(line.Connection!)}/import";
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsJsonAsync(uri, line.Body, cancellationToken);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The service may have done the import and the answer got lost; sent again, it is recognised as done.
                if (attempt < MaxAttempts)
                {
                    await Task.Delay(RetryDelay * attempt, cancellationToken);
                    continue;
                }

                return Result(LineOutcomes.Failed, $"unreachable: {exception.GetType().Name}");
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    return Result(LineOutcomes.Imported, null, status);
                }

                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return Result(LineOutcomes.Skipped, "already_imported", status);
                }

                var (code, detail) = await ProblemOfAsync(response, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Conflict && code == "connection_in_use")
                {
                    return Result(LineOutcomes.Skipped, code, status);
                }

                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    AbortReason = $"the service refused the caller token (401 {code}); lines not yet finished stay unfinished. Run again with a fresh token.";
                    await abort.CancelAsync();
                    return null;
                }

                if (RetriedCodes.Contains(code) && attempt < MaxAttempts)
                {
                    var wait = response.Headers.RetryAfter?.Delta is { } delta && delta < TimeSpan.FromSeconds(30) ? delta : RetryDelay * attempt;
                    await Task.Delay(wait, cancellationToken);
                    continue;
                }

                return Result(LineOutcomes.Failed, detail is null ? code : $"{code}: {detail}", status);
            }
        }
    }

    private static async Task<(string Code, string? Detail)> ProblemOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return (problem.TryGetProperty("code", out var code) ? code.GetString() ?? "unknown" : $"http_{(int)response.StatusCode}",
                problem.TryGetProperty("detail", out var detail) ? detail.GetString() : null);
        }
        catch (JsonException)
        {
            return ($"http_{(int)response.StatusCode}", null);
        }
    }
}
