using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Foundation.Outbound;

/// <summary>
/// The <see cref="SocketsHttpHandler.ConnectCallback"/> of the clients that call providers (OAuth endpoints, the proxy's
/// APIs): it resolves the host itself and connects only to the addresses it checked, so a name that resolves to this
/// network, or is re-pointed there between a check and the connection (DNS rebinding), is never reached. Any refused address
/// among a host's answers refuses the host. See docs/providers.md, "Where the service connects".
/// </summary>
public sealed partial class OutboundConnector(IOptions<OutboundOptions> options, ILogger<OutboundConnector> logger)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        foreach (var address in addresses)
        {
            var kind = OutboundAddresses.Classify(address);
            if (!OutboundAddresses.MayConnect(kind, options.Value.AllowPrivateNetworkTargets))
            {
                LogRefused(logger, endpoint.Host, kind);
                throw new OutboundAddressRefusedException(endpoint.Host, kind);
            }
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [LoggerMessage(EventId = 1050, Level = LogLevel.Warning, Message = "Refused to connect to {Host}: it resolves to a {AddressKind} address (Outbound:AllowPrivateNetworkTargets)")]
    private static partial void LogRefused(ILogger logger, string host, OutboundAddressKind addressKind);
}

/// <summary>A provider host resolved to an address the service never connects to; the request was not sent.</summary>
public sealed class OutboundAddressRefusedException : IOException
{
    public OutboundAddressRefusedException()
    {
    }

    public OutboundAddressRefusedException(string message)
        : base(message)
    {
    }

    public OutboundAddressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OutboundAddressRefusedException(string host, OutboundAddressKind kind)
        : base($"{host} resolves to a {kind} address, which the service never connects to.")
    {
        AddressKind = kind;
    }

    public OutboundAddressKind AddressKind { get; }

    /// <summary>Whether <paramref name="exception"/> (an <see cref="HttpRequestException"/> from a client) came from a refused address.</summary>
    public static bool IsCauseOf(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is OutboundAddressRefusedException)
            {
                return true;
            }
        }

        return false;
    }
}
