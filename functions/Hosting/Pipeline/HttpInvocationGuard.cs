using Credentials.Functions.Api;
using Credentials.Functions.Audit;
using Credentials.Functions.Foundation.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Hosting.Pipeline;

/// <summary>
/// Wraps every HTTP function invocation: assigns the correlation id and turns an escaped exception into a 500
/// problem+json without exception text. The Functions middleware and the dev host both call it.
/// </summary>
public sealed partial class HttpInvocationGuard(ILogger<HttpInvocationGuard> logger)
{
    private long _auditUnavailableLoggedAt = long.MinValue / 2;

    public async Task InvokeAsync(HttpContext http, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);

        var correlationId = CorrelationId.Establish(http);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = correlationId });
        try
        {
            await next();
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            LogRequestAborted(logger, http.Request.Method, http.Request.Path.Value);
        }
        catch (AuditUnavailableException)
        {
            // Fail closed: what could not be audited must not happen. The queue drains within a second or so. Said once
            // a second, not once a request: an overloaded instance must not add a log flood to its troubles.
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _auditUnavailableLoggedAt);
            if (now - last >= 1000 && Interlocked.CompareExchange(ref _auditUnavailableLoggedAt, now, last) == last)
            {
                LogAuditUnavailable(logger, http.Request.Method, http.Request.Path.Value);
            }

            await AnswerAsync(http, () => ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuditUnavailable,
                "The audit log is not keeping up.", "The request was refused because it could not be audited; retry shortly."), retryAfterSeconds: "1");
        }
        catch (Exception exception) when (exception is Azure.RequestFailedException { Status: 0 or 408 or 429 or >= 500 } or TimeoutException
            or OperationCanceledException)
        {
            // Table Storage failing, out of reach or out of time after the SDK's own retries (its network timeout surfaces
            // as a cancellation nobody asked for): a retryable outage, not a bug.
            LogStorageUnavailable(logger, (exception as Azure.RequestFailedException)?.Status ?? 0, http.Request.Method, http.Request.Path.Value, correlationId);
            await AnswerAsync(http, () => ProblemResults.Create(http, StatusCodes.Status503ServiceUnavailable, ProblemCodes.StorageUnavailable,
                "Storage is unavailable.", "The service could not reach its storage; nothing was changed that was not saved. Retry shortly."),
                retryAfterSeconds: "5");
        }
#pragma warning disable CA1031 // This is the last line of defence: whatever escaped must become a clean 500.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogUnhandled(logger, exception, http.Request.Method, http.Request.Path.Value, correlationId);
            await AnswerAsync(http, () => ProblemResults.InternalError(http), retryAfterSeconds: null);
        }
    }

    /// <summary>
    /// Replaces whatever the failed invocation began to answer, unless its response is already on the wire. The problem
    /// is built after the response is cleared, so that it carries the correlation id header again.
    /// </summary>
    private static async Task AnswerAsync(HttpContext http, Func<IActionResult> problem, string? retryAfterSeconds)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        http.Response.Clear();
        if (retryAfterSeconds is not null)
        {
            http.Response.Headers.RetryAfter = retryAfterSeconds;
        }

        await problem().ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
    }

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error,
        Message = "Storage unavailable (HTTP {Status}; 0: no answer or timed out) in {Method} {Path}; answered 503 with correlation id {CorrelationId}")]
    private static partial void LogStorageUnavailable(ILogger logger, int status, string method, string? path, string correlationId);

    [LoggerMessage(EventId = 1000, Level = LogLevel.Error,
        Message = "Unhandled exception in {Method} {Path}; answered 500 with correlation id {CorrelationId}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string? path, string correlationId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Request {Method} {Path} refused with 503: the audit queue is full (logged at most once a second)")]
    private static partial void LogAuditUnavailable(ILogger logger, string method, string? path);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Request {Method} {Path} aborted by the caller")]
    private static partial void LogRequestAborted(ILogger logger, string method, string? path);
}
