using System.Net;
using System.Net.Sockets;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// A TCP proxy on 127.0.0.1 that passes the client's bytes straight through but holds the
/// server's back for a moment and delivers whatever arrived meanwhile in one write. Messages
/// a server sends in quick succession (sshd's USERAUTH_SUCCESS and the global request behind
/// it) then reach the client in one read, as they can on a busy network, which exposes code
/// that assumes it gets to run between them.
/// </summary>
public sealed class CoalescingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly TimeSpan _hold;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly List<Socket> _sockets = [];
    private readonly Task _acceptLoop;

    public CoalescingProxy(int targetPort, TimeSpan hold)
    {
        _targetPort = targetPort;
        _hold = hold;
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
                client.NoDelay = true;
                await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                server.Dispose();
                return;
            }

            lock (_pumps)
            {
                _sockets.Add(client);
                _sockets.Add(server);
                _pumps.Add(PumpAsync(client, server, TimeSpan.Zero));
                _pumps.Add(PumpAsync(server, client, _hold));
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, TimeSpan hold)
    {
        var buffer = new byte[1024 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (hold > TimeSpan.Zero)
                {
                    // Let what the server sends next pile up in the socket, then take it all.
                    await Task.Delay(hold, _stop.Token).ConfigureAwait(false);
                    while (from.Available > 0 && n < buffer.Length)
                    {
                        n += await from.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    }
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // One side went away (a killed sshd resets the connection), or the test is over:
            // close both, so the other side learns it too instead of waiting forever.
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps];
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        await Task.WhenAll([_acceptLoop, .. pumps]).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _listener.Dispose();
        _stop.Dispose();
    }
}
