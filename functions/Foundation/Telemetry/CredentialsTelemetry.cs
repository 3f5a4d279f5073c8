using System.Diagnostics;

namespace Credentials.Functions.Foundation.Telemetry;

/// <summary>Names of the service's own trace source and meter, shared by every component that emits telemetry.</summary>
internal static class CredentialsTelemetry
{
    public const string SourceName = "Credentials.Functions";
    public const string MeterName = "Credentials.Functions";

    public static readonly ActivitySource Source = new(SourceName);
}
