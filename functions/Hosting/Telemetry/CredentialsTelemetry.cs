using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Credentials.Functions.Hosting.Telemetry;

/// <summary>Names of the service's own trace source and meter, shared by every component that emits telemetry.</summary>
internal static class CredentialsTelemetry
{
    public const string SourceName = "Credentials.Functions";
    public const string MeterName = "Credentials.Functions";

    public static readonly ActivitySource Source = new(SourceName);
}
