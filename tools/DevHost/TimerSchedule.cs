using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;

namespace Credentials.DevHost;

/// <summary>
/// A timer trigger's schedule as the Functions host reads it: <c>%Setting%</c> expressions resolved from configuration,
/// then a six-field NCRONTAB expression (seconds first) or a TimeSpan interval.
/// </summary>
internal sealed partial class TimerSchedule
{
    private readonly CronExpression? _cron;
    private readonly TimeSpan? _interval;

    private TimerSchedule(string expression, CronExpression? cron, TimeSpan? interval)
    {
        Expression = expression;
        _cron = cron;
        _interval = interval;
    }

    public string Expression { get; }

    public static TimerSchedule Parse(string schedule, Func<string, string?> setting)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(setting);
        var resolved = SettingReference().Replace(schedule, match =>
            setting(match.Groups["name"].Value)
            ?? throw new InvalidOperationException($"Timer schedule '{schedule}' refers to setting '{match.Groups["name"].Value}', which is not set."));

        if (TimeSpan.TryParse(resolved, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            return new TimerSchedule(resolved, null, interval);
        }

        try
        {
            return new TimerSchedule(resolved, CronExpression.Parse(resolved, CronFormat.IncludeSeconds), null);
        }
        catch (CronFormatException exception)
        {
            throw new InvalidOperationException($"Timer schedule '{resolved}' is neither a six-field cron expression nor a TimeSpan: {exception.Message}", exception);
        }
    }

    public DateTimeOffset NextAfter(DateTimeOffset instant) =>
        _interval is { } interval
            ? instant + interval
            : _cron!.GetNextOccurrence(instant, TimeZoneInfo.Utc)
                ?? throw new InvalidOperationException($"Timer schedule '{Expression}' has no further occurrence.");

    [GeneratedRegex("%(?<name>[^%]+)%")]
    private static partial Regex SettingReference();
}
