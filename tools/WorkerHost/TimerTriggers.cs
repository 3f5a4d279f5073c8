using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Credentials.WorkerHost.Rpc;
using Cronos;

namespace Credentials.WorkerHost;

/// <summary>
/// Timer functions: the schedule read from the trigger's binding (<c>%Name%</c> resolved from app settings, then a
/// six-field NCRONTAB expression or a TimeSpan), and an invocation whose trigger input is the TimerInfo as JSON
/// (<c>ScheduleStatus</c>, <c>IsPastDue</c>), which the worker's TimerInfoConverter reads.
/// </summary>
internal sealed partial class TimerTriggers(WorkerChannel channel, IReadOnlyList<WorkerFunction> functions, IReadOnlyDictionary<string, string?> appSettings, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new();

    public IEnumerable<WorkerFunction> Timers => functions.Where(f => f.IsTimer);

    /// <summary>Runs a timer function once now, as the schedule would; throws when the worker reports a failure.</summary>
    public async Task InvokeAsync(string functionName, bool isPastDue, DateTimeOffset? last, CancellationToken cancellationToken)
    {
        var function = Timers.SingleOrDefault(f => string.Equals(f.Name, functionName, StringComparison.Ordinal))
            ?? throw new ArgumentException($"The worker reported no timer function '{functionName}'.", nameof(functionName));
        var now = time.GetUtcNow();
        var status = new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = new { Last = (last ?? DateTimeOffset.MinValue).UtcDateTime, Next = NextAfter(function, now).UtcDateTime, LastUpdated = now.UtcDateTime },
            IsPastDue = isPastDue,
        };
        var request = new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext { TraceParent = $"00-{System.Diagnostics.ActivityTraceId.CreateRandom()}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01" },
        };
        request.TraceContext.Attributes["OperationName"] = function.Name;
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Json = JsonSerializer.Serialize(status, Json) } });

        var response = await channel.InvokeAsync(request, cancellationToken);
        if (response.Result?.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException($"Timer function '{function.Name}' failed in the worker: {response.Result?.Exception?.Message}");
        }
    }

    public DateTimeOffset NextAfter(WorkerFunction function, DateTimeOffset instant)
    {
        ArgumentNullException.ThrowIfNull(function);
        var expression = Resolve(function.Schedule ?? throw new InvalidOperationException($"Timer function '{function.Name}' has no schedule."));
        if (TimeSpan.TryParse(expression, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            return instant + interval;
        }

        return CronExpression.Parse(expression, CronFormat.IncludeSeconds).GetNextOccurrence(instant, TimeZoneInfo.Utc)
            ?? throw new InvalidOperationException($"Timer schedule '{expression}' has no further occurrence.");
    }

    /// <summary>
    /// The host resolves <c>%Name%</c> from app settings (which the worker also gets as its environment), where <c>A:B</c>
    /// is spelled <c>A__B</c>: the given settings first, then this process's environment.
    /// </summary>
    private string Resolve(string schedule) => SettingReference().Replace(schedule, match =>
    {
        var name = match.Groups["name"].Value.Replace(":", "__", StringComparison.Ordinal);
        var value = appSettings.TryGetValue(name, out var given) ? given : Environment.GetEnvironmentVariable(name);
        return value ?? throw new InvalidOperationException($"Timer schedule '{schedule}' refers to app setting '{match.Groups["name"].Value}', which is not set.");
    });

    [GeneratedRegex("%(?<name>[^%]+)%")]
    private static partial Regex SettingReference();
}

/// <summary>Runs each timer function on its schedule, one invocation at a time per function.</summary>
internal sealed partial class TimerScheduler(TimerTriggers timers, TimeProvider time, ILogger<TimerScheduler> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(timers.Timers.Select(function => RunAsync(function, stoppingToken)));

    private async Task RunAsync(WorkerFunction function, CancellationToken stoppingToken)
    {
        LogScheduled(logger, function.Name, function.Schedule ?? string.Empty);
        DateTimeOffset? last = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var due = timers.NextAfter(function, now);
            try
            {
                await Task.Delay(due - now, time, stoppingToken);
                await timers.InvokeAsync(function.Name, isPastDue: false, last, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed run is logged and the schedule goes on, as in the host.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogFailed(logger, exception, function.Name);
            }

            last = due;
        }
    }

    [LoggerMessage(EventId = 9230, Level = LogLevel.Information, Message = "Timer function {Function} scheduled: {Schedule}")]
    private static partial void LogScheduled(ILogger logger, string function, string schedule);

    [LoggerMessage(EventId = 9231, Level = LogLevel.Error, Message = "Timer function {Function} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function);
}
