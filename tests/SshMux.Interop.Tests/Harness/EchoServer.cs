using System.Net;
using System.Net.Sockets;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// A TCP echo server on 127.0.0.1 for forwarding tests: each connection gets back what it
/// sends, and when the client half-closes, the rest is echoed and the server half-closes too.
/// </summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _accepted;

    public EchoServer()
    {
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections reached the server.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            lock (_connections)
            {
                _connections.Add(EchoAsync(socket));
            }
        }
    }

    private async Task EchoAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        socket.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The test is over, or the forwarder reset the connection.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll([_acceptLoop, .. connections]).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _listener.Dispose();
        _stop.Dispose();
    }
}
