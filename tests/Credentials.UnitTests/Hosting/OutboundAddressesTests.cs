using System.Net;
using Credentials.Functions.Foundation.Configuration;
using Credentials.Functions.Foundation.Outbound;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Hosting;

/// <summary>Which addresses the clients that call providers may connect to (docs/providers.md, "Where the service connects").</summary>
public sealed class OutboundAddressesTests
{
    [Theory]
    [InlineData("8.8.8.8", OutboundAddressKind.Public)]
    [InlineData("20.190.128.1", OutboundAddressKind.Public)]
    [InlineData("127.0.0.1", OutboundAddressKind.Loopback)]
    [InlineData("127.255.255.254", OutboundAddressKind.Loopback)]
    [InlineData("10.0.0.1", OutboundAddressKind.Private)]
    [InlineData("172.16.0.1", OutboundAddressKind.Private)]
    [InlineData("172.31.255.255", OutboundAddressKind.Private)]
    [InlineData("172.32.0.1", OutboundAddressKind.Public)]
    [InlineData("172.15.255.255", OutboundAddressKind.Public)]
    [InlineData("192.168.1.1", OutboundAddressKind.Private)]
    [InlineData("169.254.0.1", OutboundAddressKind.LinkLocal)]
    [InlineData("169.254.169.254", OutboundAddressKind.Metadata)]
    [InlineData("100.64.0.1", OutboundAddressKind.SharedAddressSpace)]
    [InlineData("100.127.255.255", OutboundAddressKind.SharedAddressSpace)]
    [InlineData("100.128.0.1", OutboundAddressKind.Public)]
    [InlineData("0.0.0.0", OutboundAddressKind.Unroutable)]
    [InlineData("224.0.0.1", OutboundAddressKind.Unroutable)]
    [InlineData("255.255.255.255", OutboundAddressKind.Unroutable)]
    public void IPv4_addresses_are_classified(string address, OutboundAddressKind kind) =>
        Assert.Equal(kind, OutboundAddresses.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("2606:4700:4700::1111", OutboundAddressKind.Public)]
    [InlineData("::1", OutboundAddressKind.Loopback)]
    [InlineData("fc00::1", OutboundAddressKind.Private)]
    [InlineData("fd12:3456::1", OutboundAddressKind.Private)]
    [InlineData("fec0::1", OutboundAddressKind.Private)]
    [InlineData("fe80::1", OutboundAddressKind.LinkLocal)]
    [InlineData("febf::1", OutboundAddressKind.LinkLocal)]
    [InlineData("fd00:ec2::254", OutboundAddressKind.Metadata)]
    [InlineData("::", OutboundAddressKind.Unroutable)]
    [InlineData("ff02::1", OutboundAddressKind.Unroutable)]
    public void IPv6_addresses_are_classified(string address, OutboundAddressKind kind) =>
        Assert.Equal(kind, OutboundAddresses.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::ffff:127.0.0.1", OutboundAddressKind.Loopback)]
    [InlineData("::ffff:10.1.2.3", OutboundAddressKind.Private)]
    [InlineData("::ffff:169.254.169.254", OutboundAddressKind.Metadata)]
    [InlineData("::ffff:100.64.1.1", OutboundAddressKind.SharedAddressSpace)]
    [InlineData("::ffff:8.8.8.8", OutboundAddressKind.Public)]
    [InlineData("64:ff9b::a9fe:a9fe", OutboundAddressKind.Metadata)]
    [InlineData("64:ff9b::7f00:1", OutboundAddressKind.Loopback)]
    [InlineData("64:ff9b::808:808", OutboundAddressKind.Public)]
    public void An_IPv4_address_inside_IPv6_is_classified_as_the_address_it_reaches(string address, OutboundAddressKind kind) =>
        Assert.Equal(kind, OutboundAddresses.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData(OutboundAddressKind.Public, false, true)]
    [InlineData(OutboundAddressKind.Loopback, false, false)]
    [InlineData(OutboundAddressKind.Private, false, false)]
    [InlineData(OutboundAddressKind.LinkLocal, false, false)]
    [InlineData(OutboundAddressKind.SharedAddressSpace, false, false)]
    [InlineData(OutboundAddressKind.Loopback, true, true)]
    [InlineData(OutboundAddressKind.Private, true, true)]
    [InlineData(OutboundAddressKind.LinkLocal, true, true)]
    [InlineData(OutboundAddressKind.SharedAddressSpace, true, true)]
    [InlineData(OutboundAddressKind.Metadata, true, false)]
    [InlineData(OutboundAddressKind.Unroutable, true, false)]
    public void The_development_switch_opens_this_network_but_never_metadata(OutboundAddressKind kind, bool allowPrivate, bool mayConnect) =>
        Assert.Equal(mayConnect, OutboundAddresses.MayConnect(kind, allowPrivate));

    [Theory]
    [InlineData(false, "https://credentials.example.com", true)]
    [InlineData(true, "http://127.0.0.1:7071", true)]
    [InlineData(true, "http://localhost:7071", true)]
    [InlineData(true, "https://credentials.example.com", false)]
    public void The_switch_is_refused_at_start_up_outside_a_loopback_service(bool allowPrivate, string publicBaseUrl, bool valid)
    {
        var validator = new OutboundOptionsValidator(Options.Create(new ServiceOptions { PublicBaseUrl = new Uri(publicBaseUrl) }));

        var result = validator.Validate(null, new OutboundOptions { AllowPrivateNetworkTargets = allowPrivate });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Outbound:AllowPrivateNetworkTargets", result.FailureMessage, StringComparison.Ordinal);
            Assert.Contains("Outbound__AllowPrivateNetworkTargets", result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
