using System.Net;
using System.Net.Sockets;
using SshMux.Ssh.Transport;

namespace SshMux.Interop.Tests.Harness;

/// <summary>ssh-mux's transport in the client role, connected to a peer server on loopback.</summary>
public sealed class OurClient : IAsyncDisposable
{
    private OurClient(SshTransport transport, HostKeyVerification verified)
    {
        Transport = transport;
        Verified = verified;
    }

    public SshTransport Transport { get; }

    /// <summary>What the transport asked the host key verifier to accept.</summary>
    public HostKeyVerification Verified { get; }

    /// <summary>
    /// Connects and completes the first key exchange. The verifier accepts any key (tests
    /// compare it with the peer's key file afterwards) and records what it was shown.
    /// </summary>
    public static async Task<OurClient> ConnectAsync(int port, InteropRun run, Action<SshClientOptions>? configure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        HostKeyVerification? verified = null;
        var options = new SshClientOptions
        {
            Log = run.TransportLog("client"),
            HostKeyVerifier = (v, _) =>
            {
                verified = v;
                return ValueTask.FromResult(true);
            },
            HandshakeTimeout = TimeSpan.FromSeconds(30),
            VersionExchangeTimeout = TimeSpan.FromSeconds(15),
            RekeyTimeout = TimeSpan.FromSeconds(30),
        };
        configure?.Invoke(options);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        SshTransport transport;
        try
        {
            transport = await SshTransport.ConnectAsync(stream, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (verified is null)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException("The key exchange finished without asking the host key verifier");
        }

        return new OurClient(transport, verified);
    }

    public ValueTask DisposeAsync() => Transport.DisposeAsync();
}
