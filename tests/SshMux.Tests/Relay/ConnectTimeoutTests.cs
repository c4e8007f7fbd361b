using System.Net;
using System.Net.Sockets;
using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Trust;

namespace SshMux.Tests.Relay;

/// <summary>A TCP connect that never completes is reported as the connect timeout, naming the hop.</summary>
public sealed class ConnectTimeoutTests
{
    [Fact]
    public async Task Hanging_tcp_connect_is_reported_as_a_timeout_naming_the_hop()
    {
        // A listener whose accept queue is full and never drained: Linux drops further SYNs, so
        // the next connect neither succeeds nor fails until it is given up.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var queued = new List<Socket>();
        try
        {
            await FillAcceptQueueAsync(port, queued);
            SshMux.Ssh.Transport.SshLog quiet = (_, _) => { };
            var connector = new UpstreamConnector(new KnownHostsTrust([], quiet), null, quiet, new UpstreamSettings { ConnectTimeout = TimeSpan.FromSeconds(1) });
            var hop = new RouteHop("127.0.0.1", port, "deploy", []);

            var error = await Assert.ThrowsAsync<SshException>(() => connector.ConnectAsync("web", hop, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));

            Assert.Equal($"Timed out after 1 s connecting to {hop.Display}", error.Message);
        }
        finally
        {
            foreach (var socket in queued)
            {
                socket.Dispose();
            }
        }
    }

    private static async Task FillAcceptQueueAsync(int port, List<Socket> queued)
    {
        for (var i = 0; i < 16; i++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), wait.Token);
                queued.Add(client);
            }
            catch (OperationCanceledException)
            {
                client.Dispose();
                return;
            }
        }

        Assert.Fail("the listener's accept queue never filled up");
    }
}
