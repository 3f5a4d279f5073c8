namespace Credentials.Functions.Foundation.Outbound;

/// <summary>Where the service's calls to providers (OAuth endpoints and the proxy's APIs) may connect (docs/providers.md).</summary>
public sealed class OutboundOptions
{
    public const string SectionName = "Outbound";

    /// <summary>
    /// Development and tests only: allow loopback, private, link-local and shared (CGNAT) addresses, so that a sandbox
    /// provider on 127.0.0.1 can be reached. Cloud metadata, unspecified and multicast addresses stay refused. Off by default;
    /// start-up refuses it unless <c>Service:PublicBaseUrl</c> is on a loopback host.
    /// </summary>
    public bool AllowPrivateNetworkTargets { get; set; }
}
