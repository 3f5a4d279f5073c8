using System.Net;
using System.Net.Sockets;

namespace Credentials.Functions.Foundation.Outbound;

/// <summary>What kind of network an address belongs to, as far as where the service may connect is concerned.</summary>
public enum OutboundAddressKind
{
    Public,
    Loopback,

    /// <summary>RFC 1918 (10/8, 172.16/12, 192.168/16), IPv6 unique local (fc00::/7) and the deprecated site-local (fec0::/10).</summary>
    Private,

    /// <summary>169.254/16 and fe80::/10 (but see <see cref="Metadata"/>).</summary>
    LinkLocal,

    /// <summary>100.64/10, the carrier-grade NAT range (RFC 6598), private to a provider's network.</summary>
    SharedAddressSpace,

    /// <summary>The cloud instance metadata endpoints (169.254.169.254, fd00:ec2::254), which hand out the host's credentials.</summary>
    Metadata,

    /// <summary>0.0.0.0/8 and <c>::</c> (on Linux a connection to them reaches the machine itself), multicast and broadcast.</summary>
    Unroutable,
}

/// <summary>
/// Classifies addresses for <see cref="OutboundConnector"/>. An IPv4 address inside IPv6 (IPv4-mapped <c>::ffff:a.b.c.d</c>,
/// NAT64 <c>64:ff9b::/96</c>) is classified as the IPv4 address it reaches.
/// </summary>
public static class OutboundAddresses
{
    private static readonly IPAddress Ec2MetadataV6 = IPAddress.Parse("fd00:ec2::254");

    public static OutboundAddressKind Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedIPv4(address) is { } inner)
        {
            return Classify(inner);
        }

        return address.AddressFamily == AddressFamily.InterNetwork ? ClassifyV4(address.GetAddressBytes()) : ClassifyV6(address);
    }

    /// <summary>Whether the service may connect to <paramref name="kind"/>; with the development switch, to its own and private networks too.</summary>
    public static bool MayConnect(OutboundAddressKind kind, bool allowPrivateNetworkTargets) => kind switch
    {
        OutboundAddressKind.Public => true,
        OutboundAddressKind.Loopback or OutboundAddressKind.Private or OutboundAddressKind.LinkLocal or OutboundAddressKind.SharedAddressSpace => allowPrivateNetworkTargets,
        _ => false,
    };

    private static OutboundAddressKind ClassifyV4(byte[] b) => (b[0], b[1]) switch
    {
        (169, 254) when b[2] == 169 && b[3] == 254 => OutboundAddressKind.Metadata,
        (127, _) => OutboundAddressKind.Loopback,
        (10, _) or (172, >= 16 and <= 31) or (192, 168) => OutboundAddressKind.Private,
        (169, 254) => OutboundAddressKind.LinkLocal,
        (100, >= 64 and <= 127) => OutboundAddressKind.SharedAddressSpace,
        _ when b[0] == 0 || b[0] >= 224 => OutboundAddressKind.Unroutable,
        _ => OutboundAddressKind.Public,
    };

    private static OutboundAddressKind ClassifyV6(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return address switch
        {
            _ when address.Equals(Ec2MetadataV6) => OutboundAddressKind.Metadata,
            _ when IPAddress.IsLoopback(address) => OutboundAddressKind.Loopback,
            _ when address.Equals(IPAddress.IPv6None) || address.IsIPv6Multicast => OutboundAddressKind.Unroutable,
            _ when (b[0] & 0xFE) == 0xFC || address.IsIPv6SiteLocal => OutboundAddressKind.Private,
            _ when address.IsIPv6LinkLocal => OutboundAddressKind.LinkLocal,
            _ => OutboundAddressKind.Public,
        };
    }

    /// <summary>The IPv4 address an IPv4-mapped or NAT64 (64:ff9b::/96) IPv6 address reaches, else null.</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        var b = address.GetAddressBytes();
        return b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0
            ? new IPAddress(b.AsSpan(12, 4))
            : null;
    }
}
