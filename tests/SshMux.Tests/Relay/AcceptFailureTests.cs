using System.Net.Sockets;
using System.Text;
using SshMux.Pool;
using SshMux.Relay;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Trust;

namespace SshMux.Tests.Relay;

/// <summary>accept(2) failing for a while (EMFILE, ECONNABORTED) must not end the local server.</summary>
public sealed class AcceptFailureTests
{
    [Fact]
    public async Task Server_keeps_accepting_after_accept_fails()
    {
        var log = new List<string>();
        SshMux.Ssh.Transport.SshLog record = (_, m) =>
        {
            lock (log)
            {
                log.Add(m);
            }
        };
        using var hostKey = SshPrivateKey.Generate("ssh-ed25519");
        var connector = new UpstreamConnector(new KnownHostsTrust([], record), null, record, new UpstreamSettings());
        await using var pool = new UpstreamPool(connector, null, record);
        var failures = new Queue<Exception>([new SocketException((int)SocketError.TooManyOpenSockets), new SocketException((int)SocketError.ConnectionAborted), new IOException("accept failed")]);
        await using var server = new LocalServer(0, hostKey, new LocalAuthorization(_ => new PublicKeyListAuthenticator()), RouteTable.FromRoutes([]), pool, record);
        var realAccept = server.AcceptClient;
        server.AcceptClient = ct =>
        {
            lock (failures)
            {
                if (failures.TryDequeue(out var failure))
                {
                    throw failure;
                }
            }

            return realAccept(ct);
        };
        server.Start();
        using var stop = new CancellationTokenSource();
        var run = server.RunAsync(stop.Token);

        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, server.Port);
        var banner = new byte[8];
        await client.GetStream().ReadExactlyAsync(banner).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("SSH-2.0-", Encoding.ASCII.GetString(banner));
        Assert.False(run.IsCompleted);
        lock (log)
        {
            Assert.Equal(3, log.Count(l => l.StartsWith("Accepting a connection failed: ", StringComparison.Ordinal)));
        }

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
