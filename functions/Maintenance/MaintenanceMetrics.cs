using System.Diagnostics.Metrics;
using Credentials.Functions.Foundation.Telemetry;

namespace Credentials.Functions.Maintenance;

/// <summary>OpenTelemetry instruments of the maintenance timer (meter <c>Credentials.Functions</c>).</summary>
public sealed class MaintenanceMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _scanned;
    private readonly Counter<long> _refreshed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _markedForReauthorization;
    private readonly Counter<long> _reEncrypted;
    private readonly Histogram<double> _duration;

    public MaintenanceMetrics(IMeterFactory meters)
    {
        _meter = meters.CreateServiceMeter();
        _scanned = _meter.CreateCounter<long>("credentials.maintenance.scanned", "{connection}", "Connections examined by maintenance runs");
        _refreshed = _meter.CreateCounter<long>("credentials.maintenance.refreshed", "{connection}", "Connections refreshed by maintenance runs");
        _failed = _meter.CreateCounter<long>("credentials.maintenance.failed", "{connection}", "Maintenance refreshes that failed");
        _markedForReauthorization = _meter.CreateCounter<long>("credentials.maintenance.reauthorization_required", "{connection}",
            "Connections maintenance found needing the user to reconnect");
        _reEncrypted = _meter.CreateCounter<long>("credentials.maintenance.reencrypted", "{connection}", "Connections re-encrypted under the newest key");
        _duration = _meter.CreateHistogram<double>("credentials.maintenance.duration", "s", "Duration of maintenance runs");
    }

    public void Record(MaintenanceReport report)
    {
        RecordWork(report);
        _duration.Record(report.Duration.TotalSeconds);
    }

    /// <summary>One queued work item's counts; the duration histogram is kept for the timer's runs.</summary>
    public void RecordWork(MaintenanceReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _scanned.Add(report.Scanned);
        _refreshed.Add(report.Refreshed);
        _failed.Add(report.Failed);
        _markedForReauthorization.Add(report.MarkedForReauthorization);
        _reEncrypted.Add(report.ReEncrypted);
    }

    public void Dispose() => _meter.Dispose();
}
