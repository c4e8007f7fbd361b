using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using SshMux.Ssh.Transport;

namespace SshMux.Interop.Tests.Harness;

/// <summary>How one accepted connection's handshake ended: a transport, or the error it failed with.</summary>
public sealed record ServerConnection(SshTransport? Transport, Exception? Error);

/// <summary>
/// ssh-mux's transport in the server role (SshTransport.AcceptAsync) on a TcpListener bound
/// to 127.0.0.1, for real clients to connect to. With no MessageHandler the transport answers
/// every SSH_MSG_USERAUTH_REQUEST with a failure listing no methods, so clients end with
/// "Permission denied" after the service request.
/// </summary>
public sealed class OurServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<SshServerOptions> _options;
    private readonly Func<Stream, Stream>? _wrapStream;
    private readonly Channel<ServerConnection> _connections = Channel.CreateUnbounded<ServerConnection>();
    private readonly List<SshTransport> _transports = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _handshakes = [];
    private readonly Task _acceptLoop;

    private OurServer(TcpListener listener, Func<SshServerOptions> options, Func<Stream, Stream>? wrapStream)
    {
        _listener = listener;
        _options = options;
        _wrapStream = wrapStream;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// Starts listening; every connection gets fresh options (ed25519 host key unless
    /// configured), its stream optionally wrapped to simulate a misbehaving network or peer.
    /// </summary>
    public static OurServer Start(InteropRun run, Action<SshServerOptions>? configure = null, Func<Stream, Stream>? wrapStream = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new OurServer(listener, () =>
        {
            var options = new SshServerOptions
            {
                Log = run.TransportLog("server"),
                HostKeys = [OurHostKeys.Get("ssh-ed25519")],
                HandshakeTimeout = TimeSpan.FromSeconds(30),
                VersionExchangeTimeout = TimeSpan.FromSeconds(15),
            };
            configure?.Invoke(options);
            return options;
        }, wrapStream);
    }

    /// <summary>The outcome of the next connection's handshake.</summary>
    public async Task<ServerConnection> NextConnectionAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _connections.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No connection finished its handshake with our server within {timeout.TotalSeconds:0} s");
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            lock (_handshakes)
            {
                _handshakes.Add(Task.Run(() => HandshakeAsync(socket)));
            }
        }
    }

    private async Task HandshakeAsync(Socket socket)
    {
        Stream stream = new NetworkStream(socket, ownsSocket: true);

        // Unless the test wraps the stream itself, what the client sends after its NEWKEYS is
        // held back until AcceptAsync has returned: a client that leaves at once (ssh and
        // dbclient with no way to authenticate do, within milliseconds) otherwise races
        // AcceptAsync into throwing although the handshake completed. That transport bug has
        // its own test (HandshakeCompletionTests); here it must not decide algorithm tests.
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stream = _wrapStream is null ? new AfterNewKeysStream(stream, accepted.Task) : _wrapStream(stream);

        ServerConnection outcome;
        try
        {
            var transport = await SshTransport.AcceptAsync(stream, _options(), _stop.Token).ConfigureAwait(false);
            lock (_transports)
            {
                _transports.Add(transport);
            }

            outcome = new ServerConnection(transport, null);
        }
#pragma warning disable CA1031 // Any handshake failure is the test's result to inspect, not the accept loop's to die of.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            outcome = new ServerConnection(null, e);
        }

        accepted.TrySetResult();
        _connections.Writer.TryWrite(outcome);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        Task[] handshakes;
        lock (_handshakes)
        {
            handshakes = [.. _handshakes];
        }

        // Handshakes end on their own timeouts or on _stop; bounded in case one does not.
        await Task.WhenAny(Task.WhenAll(handshakes), Task.Delay(TimeSpan.FromSeconds(20))).ConfigureAwait(false);
        SshTransport[] transports;
        lock (_transports)
        {
            transports = [.. _transports];
        }

        foreach (var transport in transports)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
