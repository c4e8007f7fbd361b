using System.Net;
using System.Net.Sockets;

namespace SshMux.Interop.Tests.Harness;

/// <summary>Loopback ports for peers that must be told which port to listen on.</summary>
public static class FreePort
{
    /// <summary>
    /// Lets the kernel pick an unused port by binding port 0, then releases it for the peer.
    /// Another process may take it in between, so peers retry on "address in use".
    /// </summary>
    public static int Next()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
