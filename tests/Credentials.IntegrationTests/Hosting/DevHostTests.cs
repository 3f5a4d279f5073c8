using Credentials.DevHost;
using Credentials.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Hosting;

public sealed class DevHostTests
{
    [Fact]
    public async Task Timer_functions_run_on_their_schedule_with_setting_expressions_resolved()
    {
        var log = new ProbeTimerLog();
        await using var host = await RunningDevHost.StartAsync(
            new Dictionary<string, string?> { ["Probe:Schedule"] = "* * * * * *" },
            services => services.AddSingleton(log),
            [typeof(ProbeFunctions).Assembly],
            runTimers: true);

        var tick = await log.FirstTick.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(tick.IsPastDue);
        Assert.NotNull(tick.ScheduleStatus);
        Assert.True(tick.ScheduleStatus.Next > tick.ScheduleStatus.LastUpdated);
    }

    [Fact]
    public async Task A_timer_whose_schedule_setting_is_missing_stops_start_up()
    {
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => RunningDevHost.StartAsync(
            configureServices: services => services.AddSingleton<ProbeTimerLog>(),
            additionalFunctionAssemblies: [typeof(ProbeFunctions).Assembly],
            runTimers: true));

        Assert.Contains("Probe:Schedule", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 */15 * * * *", "2026-01-01T00:07:00Z", "2026-01-01T00:15:00Z")]
    [InlineData("30 0 3 * * *", "2026-01-01T04:00:00Z", "2026-01-02T03:00:30Z")]
    [InlineData("00:05:00", "2026-01-01T00:07:00Z", "2026-01-01T00:12:00Z")]
    public void Schedules_follow_the_functions_six_field_format(string schedule, string now, string expected)
    {
        var parsed = TimerSchedule.Parse(schedule, _ => null);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            parsed.NextAfter(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Five_field_cron_is_rejected_with_the_expression_in_the_message()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => TimerSchedule.Parse("*/5 * * * *", _ => null));

        Assert.Contains("*/5 * * * *", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_settings_values_become_configuration_with_double_underscore_as_section()
    {
        var path = Path.Combine(Path.GetTempPath(), $"local.settings.{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {
              // comments are allowed, as Core Tools allows them
              "IsEncrypted": false,
              "Values": { "Service__PublicBaseUrl": "http://127.0.0.1:9999", "Plain": "x", "Number": 5 }
            }
            """);
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(LocalSettingsConfiguration.Read(path)).Build();

            Assert.Equal("http://127.0.0.1:9999", configuration["Service:PublicBaseUrl"]);
            Assert.Equal("x", configuration["Plain"]);
            Assert.Equal("5", configuration["Number"]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
