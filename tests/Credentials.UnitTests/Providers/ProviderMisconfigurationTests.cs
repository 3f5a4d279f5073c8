using System.Diagnostics.Metrics;
using Credentials.Functions.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.Providers;

/// <summary>Every connection of a provider fails alike when it refuses this service's client: one error log per provider per 5 minutes.</summary>
public sealed class ProviderMisconfigurationTests
{
    [Fact]
    public void A_refused_client_is_logged_once_per_provider_per_five_minutes()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var logger = new ErrorLogs();
        using var misconfiguration = new ProviderMisconfiguration(services.GetRequiredService<IMeterFactory>(), time, logger);

        for (var i = 0; i < 50; i++)
        {
            misconfiguration.Report("google", "invalid_client");
        }

        misconfiguration.Report("xero", "unauthorized_client");
        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        misconfiguration.Report("google", "invalid_client");
        Assert.Equal(["google", "xero"], logger.Providers);

        time.Advance(TimeSpan.FromSeconds(1));
        misconfiguration.Report("google", "invalid_client");
        misconfiguration.Report("google", "invalid_client");
        Assert.Equal(["google", "xero", "google"], logger.Providers);
    }

    private sealed class ErrorLogs : ILogger<ProviderMisconfiguration>
    {
        public List<string> Providers { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Assert.Equal(LogLevel.Error, logLevel);
            Assert.Equal(5200, eventId.Id);
            var values = (IReadOnlyList<KeyValuePair<string, object?>>)state!;
            Providers.Add((string)values.First(v => v.Key == "ProviderId").Value!);
        }
    }
}
