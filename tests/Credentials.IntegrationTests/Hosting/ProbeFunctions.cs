using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Tests.Hosting;

/// <summary>Functions that exist only in tests, served by the dev host next to the app's own.</summary>
public sealed class ProbeFunctions(ProbeTimerLog timerLog)
{
    public const string SecretExceptionText = "connection string AccountKey=do-not-leak";

    [Function("ProbeThrows")]
    public static IActionResult Throw([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/probe/throws")] HttpRequest request) =>
        throw new InvalidOperationException(SecretExceptionText);

    [Function("ProbeEcho")]
    public static IActionResult Echo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/probe/echo/{name}/{count:int}")] HttpRequest request,
        string name,
        int count) => new OkObjectResult(new { name, count });

    [Function("ProbeTimer")]
    public void Tick([TimerTrigger("%Probe:Schedule%")] TimerInfo timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        timerLog.Record(timer);
    }
}

public sealed class ProbeTimerLog
{
    private readonly TaskCompletionSource<TimerInfo> _firstTick = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TimerInfo> FirstTick => _firstTick.Task;

    public void Record(TimerInfo timer) => _firstTick.TrySetResult(timer);
}
