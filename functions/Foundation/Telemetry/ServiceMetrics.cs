using System.Diagnostics.Metrics;

namespace Credentials.Functions.Foundation.Telemetry;

/// <summary>
/// The counters the operator's workbook and alerts are built on (infra/app/operations.bicep, docs/operations.md). Tags
/// are ids and short codes only: provider, calling service, outcome, error code, status; never a user id or a token.
/// </summary>
public sealed class ServiceMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _tokenReads;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _statusChanges;
    private readonly Counter<long> _masterKeyFailures;
    private readonly Counter<long> _proxied;
    private readonly Histogram<double> _proxyLatency;

    public ServiceMetrics(IMeterFactory meters)
    {
        _meter = meters.CreateServiceMeter();
        _tokenReads = _meter.CreateCounter<long>("credentials.token.reads", "{read}", "Access-token reads, by provider, caller and outcome");
        _refreshes = _meter.CreateCounter<long>("credentials.refresh.outcomes", "{refresh}", "Refreshes at a provider, by provider, outcome and error");
        _statusChanges = _meter.CreateCounter<long>("credentials.connection.status_changes", "{change}", "Connection status changes, by provider and new status");
        _masterKeyFailures = _meter.CreateCounter<long>("credentials.master_key.unavailable", "{failure}", "Failed reads of the master key versions");
        _proxied = _meter.CreateCounter<long>("credentials.proxy.requests", "{request}", "Proxied provider API calls, by provider and status class (or refusal)");
        _proxyLatency = _meter.CreateHistogram<double>("credentials.proxy.duration", "ms", "Time to the provider API's answer headers, by provider and status class");
    }

    public void TokenRead(string provider, string caller, string outcome) =>
        _tokenReads.Add(1, new("provider", provider), new("caller", caller), new("outcome", outcome));

    public void Refreshed(string provider, string outcome, string? error) =>
        _refreshes.Add(1, new("provider", provider), new("outcome", outcome), new("error", error ?? "none"));

    public void StatusChanged(string provider, string newStatus) =>
        _statusChanges.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("status", newStatus));

    public void MasterKeyUnavailable() => _masterKeyFailures.Add(1);

    /// <param name="outcome">The answer's status class (<c>2xx</c> … <c>5xx</c>), or why the proxy refused (<c>refused:&lt;reason&gt;</c>).</param>
    public void Proxied(string provider, string outcome, TimeSpan elapsed)
    {
        _proxied.Add(1, new("provider", provider), new("outcome", outcome));
        _proxyLatency.Record(elapsed.TotalMilliseconds, new("provider", provider), new("outcome", outcome));
    }

    public void Dispose() => _meter.Dispose();
}
