using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SshMux.Interop.Tests.Harness;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// A Dropbear server that lets the user running the tests sign in with a key, for sessions
/// (DropbearInstance serves key exchange tests and has no login). Dropbear reads
/// ~/.ssh/authorized_keys from the home directory in the password database and has no option
/// to look elsewhere, so it runs in a private mount namespace (unshare --mount) in which a
/// test directory holding .ssh/authorized_keys is bind-mounted over that home: the machine's
/// real home is never written. That needs root, as dropbear's login of a user other than its
/// own does anyway. Password logins are off (-s). Disposal kills it.
/// </summary>
public sealed class DropbearLoginServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private DropbearLoginServer(TempDirectory home, PeerProcess process, int port, PeerHostKey hostKey)
    {
        Home = home;
        Process = process;
        Port = port;
        HostKey = hostKey;
    }

    /// <summary>The directory dropbear's user sees as its home.</summary>
    public TempDirectory Home { get; }

    public PeerProcess Process { get; }

    public int Port { get; }

    public PeerHostKey HostKey { get; }

    public static async Task<DropbearLoginServer> StartAsync(InteropRun run, string authorizedKeyLine)
    {
        ArgumentNullException.ThrowIfNull(run);
        var dropbear = Peers.Require(Peers.Dropbear);
        var unshare = PeerPrograms.Locate(PeerPrograms.Unshare);
        if (Environment.UserName != "root")
        {
            Assert.Fail("Dropbear session tests run dropbear as root in a private mount namespace; the tests run as " + Environment.UserName + ".");
        }

        var hostKey = await PeerHostKeys.DropbearAsync("ssh-ed25519").ConfigureAwait(false);
        var realHome = HomeOf(Environment.UserName);
        for (var attempt = 1; ; attempt++)
        {
            var home = new TempDirectory("sshmux-dropbear-home-");
            var ssh = Directory.CreateDirectory(home.File(".ssh"));
            await File.WriteAllTextAsync(Path.Combine(ssh.FullName, "authorized_keys"), authorizedKeyLine + "\n").ConfigureAwait(false);
            var port = FreePort.Next();
            string[] arguments =
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c",
                "home=\"$1\"; target=\"$2\"; shift 2; mount --bind \"$home\" \"$target\" && exec \"$@\"",
                "sh", home.Path, realHome,
                dropbear, "-F", "-E", "-s", "-p", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "-r", hostKey.PrivateKeyPath, "-P", home.File("dropbear.pid"),
            ];
            var process = run.Track(PeerProcess.Start($"dropbear:{port}", unshare, arguments));
            try
            {
                if (await WaitUntilAcceptingAsync(process, port).ConfigureAwait(false))
                {
                    return new DropbearLoginServer(home, process, port, hostKey);
                }

                if (attempt >= 5)
                {
                    throw new InvalidOperationException($"dropbear could not bind a free port in {attempt} attempts\n{process.Tail()}");
                }
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                home.Dispose();
                throw;
            }

            await process.DisposeAsync().ConfigureAwait(false);
            home.Dispose();
        }
    }

    /// <summary>The home directory of <paramref name="user"/> in /etc/passwd, which is where dropbear looks.</summary>
    private static string HomeOf(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 6 && fields[0] == user)
            {
                return fields[5];
            }
        }

        throw new InvalidOperationException($"{user} is not in /etc/passwd");
    }

    /// <summary>Probes the port until dropbear answers with its identification; false when it left (port taken).</summary>
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
                if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("SSH-2.0-dropbear", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
                // Not listening yet, or accepted and dropped while starting.
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new TimeoutException($"dropbear did not accept connections within {StartTimeout.TotalSeconds:0} s\n{process.Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync().ConfigureAwait(false);
        Home.Dispose();
    }
}
