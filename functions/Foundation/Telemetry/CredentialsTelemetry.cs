using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Credentials.Functions.Foundation.Telemetry;

/// <summary>Names of the service's own trace source and meter, shared by every component that emits telemetry.</summary>
internal static class CredentialsTelemetry
{
    public const string SourceName = "Credentials.Functions";
    public const string MeterName = "Credentials.Functions";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// The service's meter, the one place a component gets it from: the factory hands every caller the same instance (and
    /// disposes it), so all instruments land under <see cref="MeterName"/>, which the exporters subscribe to.
    /// </summary>
    public static Meter CreateServiceMeter(this IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        return meters.Create(MeterName);
    }
}
