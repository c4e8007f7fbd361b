using System.Net;
using System.Net.Sockets;

namespace SshMux.Tests.Pool;

/// <summary>
/// A TCP proxy on 127.0.0.1 that accepts at once but connects onward only after a delay, as a
/// slow target (or a slow path to it) does: the SSH version exchange waits that long.
/// </summary>
internal sealed class SlowStartProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<IDisposable> _owned = [];
    private readonly Task _acceptLoop;

    public SlowStartProxy(int targetPort, TimeSpan delay)
    {
        _listener.Start();
        _acceptLoop = Task.Run(() => AcceptLoopAsync(targetPort, delay));
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptLoopAsync(int targetPort, TimeSpan delay)
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                lock (_owned)
                {
                    _owned.Add(client);
                    _owned.Add(server);
                }

                _ = RelayAsync(client, server, targetPort, delay);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient server, int targetPort, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stop.Token);
            await server.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
            var up = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
            var down = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Dispose();
        lock (_owned)
        {
            foreach (var socket in _owned)
            {
                socket.Dispose();
            }
        }

        await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
