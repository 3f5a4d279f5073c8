using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Credentials.Functions.Foundation.Telemetry;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Providers;

/// <summary>
/// Says when a provider refuses this service's own client credentials: a metric per refusal (tagged with the provider)
/// and one error log per provider per <see cref="LogInterval"/>, since every connection of that provider fails alike.
/// </summary>
public sealed partial class ProviderMisconfiguration : IDisposable
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastLogged = new(StringComparer.Ordinal);
    private readonly Meter _meter;
    private readonly Counter<long> _refusals;
    private readonly TimeProvider _time;
    private readonly ILogger<ProviderMisconfiguration> _logger;

    public ProviderMisconfiguration(IMeterFactory meters, TimeProvider time, ILogger<ProviderMisconfiguration> logger)
    {
        _meter = meters.CreateServiceMeter();
        _refusals = _meter.CreateCounter<long>("credentials.provider.misconfigured", "{refusal}",
            "Token requests a provider refused because of this service's client credentials");
        _time = time;
        _logger = logger;
    }

    public void Report(string providerId, string errorCode)
    {
        _refusals.Add(1, new KeyValuePair<string, object?>("provider", providerId), new KeyValuePair<string, object?>("error", errorCode));
        var now = _time.GetUtcNow();
        var last = _lastLogged.GetOrAdd(providerId, DateTimeOffset.MinValue);
        if (now - last >= LogInterval && _lastLogged.TryUpdate(providerId, now, last))
        {
            LogMisconfigured(_logger, providerId, errorCode);
        }
    }

    public void Dispose() => _meter.Dispose();

    [LoggerMessage(EventId = 5200, Level = LogLevel.Error,
        Message = "Provider {ProviderId} refuses this service's client ({ErrorCode}): check Providers:{ProviderId}:ClientId and ClientSecret (an expired secret, or a Key Vault reference that did not resolve). Connections keep their status; logged at most every 5 minutes")]
    private static partial void LogMisconfigured(ILogger logger, string providerId, string errorCode);
}
