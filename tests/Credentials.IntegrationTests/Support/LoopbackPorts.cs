using System.Net;
using System.Net.Sockets;

namespace Credentials.Tests.Support;

/// <summary>
/// Loopback ports that are owned from the moment their number is known. A port picked as "free", released and bound
/// later can be taken in between by any other process; these never are.
/// </summary>
internal static class LoopbackPorts
{
    /// <summary>A listening socket on a port the OS picked, for a server that must know its own address before it starts.</summary>
    public static Socket Listen()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(512);
        return socket;
    }

    /// <summary>
    /// A port that is bound but never accepts, held until disposed: connecting to it is refused at once, as to a service
    /// that is down, and no other process can start listening there during the test.
    /// </summary>
    public static ClosedPort Closed() => new();

    public static int PortOf(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    public sealed class ClosedPort : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        internal ClosedPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        public int Port => PortOf(_socket);

        public void Dispose() => _socket.Dispose();
    }
}
