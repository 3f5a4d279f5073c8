using System.Reflection;
using Credentials.Functions.Api;
using Credentials.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.DevHost;

/// <summary>Runs each timer-triggered function on its schedule, one invocation at a time per function (as the host's singleton lock does).</summary>
internal sealed partial class TimerFunctionScheduler(
    IReadOnlyList<TimerFunctionDescriptor> timers,
    IConfiguration configuration,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<TimerFunctionScheduler> logger) : BackgroundService
{
    private readonly List<(TimerFunctionDescriptor Timer, TimerSchedule Schedule)> _scheduled = [];

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Schedules are checked before the host reports started, so a bad one stops start-up with its reason.
        foreach (var timer in timers)
        {
            _scheduled.Add((timer, TimerSchedule.Parse(timer.Schedule, name => configuration[name])));
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_scheduled.Select(s => RunOnScheduleAsync(s.Timer, s.Schedule, stoppingToken)));

    private async Task RunOnScheduleAsync(TimerFunctionDescriptor timer, TimerSchedule schedule, CancellationToken stoppingToken)
    {
        LogScheduled(logger, timer.Name, schedule.Expression);
        DateTimeOffset? last = null;
        if (timer.RunOnStartup)
        {
            await InvokeAsync(timer, schedule, last, stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var due = schedule.NextAfter(now);
            try
            {
                await Task.Delay(due - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await InvokeAsync(timer, schedule, last, stoppingToken);
            last = due;
        }
    }

    private async Task InvokeAsync(TimerFunctionDescriptor timer, TimerSchedule schedule, DateTimeOffset? last, CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        var info = new TimerInfo
        {
            IsPastDue = false,
            ScheduleStatus = new ScheduleStatus { Last = (last ?? now).UtcDateTime, Next = schedule.NextAfter(now).UtcDateTime, LastUpdated = now.UtcDateTime },
        };

        await using var scope = scopes.CreateAsyncScope();
        try
        {
            var arguments = timer.Method.GetParameters().Select(p => Bind(timer, p, info, stoppingToken)).ToArray();
            await FunctionInvoker.InvokeAsync(timer.Method, scope.ServiceProvider, arguments);
        }
#pragma warning disable CA1031 // A failed run is logged and the schedule goes on, as in the Functions host.
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogFailed(logger, exception, timer.Name);
        }
    }

    private static object? Bind(TimerFunctionDescriptor timer, ParameterInfo parameter, TimerInfo info, CancellationToken stoppingToken) =>
        parameter.ParameterType == typeof(TimerInfo) ? info
        : parameter.ParameterType == typeof(CancellationToken) ? stoppingToken
        : throw new InvalidOperationException($"Timer function '{timer.Name}' parameter '{parameter.Name}' cannot be supplied by the dev host.");

    [LoggerMessage(EventId = 9100, Level = LogLevel.Information, Message = "Timer function {Function} scheduled: {Schedule}")]
    private static partial void LogScheduled(ILogger logger, string function, string schedule);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Error, Message = "Timer function {Function} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function);
}
