using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// A private Dropbear server for one test: dropbear -F -E -p 127.0.0.1:PORT -r KEY with keys
/// made by dropbearkey. Dropbear has no algorithm options; tests restrict our side instead.
/// Disposal kills it and its per-connection children.
/// </summary>
public sealed class DropbearInstance : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _directory;

    private DropbearInstance(TempDirectory directory, PeerProcess process, int port, IReadOnlyList<PeerHostKey> hostKeys)
    {
        _directory = directory;
        Process = process;
        Port = port;
        HostKeys = hostKeys;
    }

    public int Port { get; }

    public IReadOnlyList<PeerHostKey> HostKeys { get; }

    public PeerProcess Process { get; }

    public static async Task<DropbearInstance> StartAsync(params string[] hostKeyTypes)
    {
        var dropbear = Peers.Require(Peers.Dropbear);
        var keys = await Task.WhenAll(hostKeyTypes.Select(PeerHostKeys.DropbearAsync)).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var directory = new TempDirectory("sshmux-dropbear-");
            var port = FreePort.Next();
            List<string> arguments = ["-F", "-E", "-p", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "-P", directory.File("dropbear.pid")];
            foreach (var key in keys)
            {
                arguments.AddRange(["-r", key.PrivateKeyPath]);
            }

            var process = PeerProcess.Start($"dropbear:{port}", dropbear, arguments);
            try
            {
                if (await WaitUntilAcceptingAsync(process, port).ConfigureAwait(false))
                {
                    return new DropbearInstance(directory, process, port, keys);
                }

                if (attempt >= 5)
                {
                    throw new InvalidOperationException($"dropbear could not bind a free port in {attempt} attempts\n{process.Tail()}");
                }
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                directory.Dispose();
                throw;
            }

            await process.DisposeAsync().ConfigureAwait(false);
            directory.Dispose();
        }
    }

    /// <summary>
    /// Dropbear logs nothing once its socket is listening, so probe it: connect, read its
    /// identification line and find the connection in its log. False when it could not bind
    /// the port (a retry picks another).
    /// </summary>
    private static async Task<bool> WaitUntilAcceptingAsync(PeerProcess process, int port)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                if (process.Count(l => l.Contains("in use", StringComparison.OrdinalIgnoreCase) || l.Contains("No listening ports", StringComparison.Ordinal)) > 0)
                {
                    return false;
                }

                throw new InvalidOperationException($"dropbear exited at start\n{process.Tail()}");
            }

            try
            {
                using var probe = new TcpClient();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await probe.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
                var buffer = new byte[256];
                var read = await probe.GetStream().ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("SSH-2.0-", StringComparison.Ordinal))
                {
                    // Make sure it was our dropbear that answered, not whoever took the port.
                    var probePort = ((IPEndPoint)probe.Client.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
                    await process.WaitForLineAsync(l => l.Contains("Child connection from 127.0.0.1:" + probePort, StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the probe connection").ConfigureAwait(false);
                    return true;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException)
            {
                // Listening but not answering yet.
            }
            catch (IOException)
            {
                // Accepted and dropped while starting.
            }
            catch (TimeoutException) when (process.HasExited)
            {
                // Someone else answered on the port: the check above reports why dropbear left.
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new TimeoutException($"dropbear did not accept connections within {StartTimeout.TotalSeconds:0} s\n{process.Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync().ConfigureAwait(false);
        _directory.Dispose();
    }
}
