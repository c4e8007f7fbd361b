using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>
/// direct-tcpip through serve: ssh -L to a TCP echo server the test runs, ssh -W, and ssh
/// reaching the upstream sshd itself through serve with -J and with a ProxyCommand.
/// </summary>
[Collection(RelayTestGroup.Name)]
public class RelayForwardingTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>
    /// ssh -N -L: three connections at once each send 1 MB and half-close; each gets its own
    /// bytes back and then the echo server's end of file, through ssh, serve and sshd.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task LocalForwardingReachesEchoServer() => _run.RunAsync(async ct =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        await using var echo = new EchoServer();
        var localPort = FreePort.Next();
        string[] forward = ["-N", "-o", "ExitOnForwardFailure=yes", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{echo.Port}"];
        await using var ssh = await StartForwardingAsync(rig, forward, localPort, ct);

        var payloads = Enumerable.Range(0, 3).Select(_ => RandomNumberGenerator.GetBytes(1024 * 1024)).ToArray();
        var echoed = await Task.WhenAll(payloads.Select(p => EchoThroughAsync(localPort, p, ct)));

        for (var i = 0; i < payloads.Length; i++)
        {
            Assert.True(payloads[i].AsSpan().SequenceEqual(echoed[i]), $"connection {i}: {echoed[i].Length} bytes came back, not the {payloads[i].Length} sent");
        }

        Assert.True(echo.Accepted >= 3, $"the echo server saw {echo.Accepted} connections");
        Assert.False(ssh.HasExited, "ssh -L exited: " + ssh.StderrText);
    });

    /// <summary>ssh -W: stdin goes to the echo server and comes back on stdout; ssh's end of file ends the session.</summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task StdioForwardingReachesEchoServer() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        await using var echo = new EchoServer();
        var data = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);

        using var stdin = new MemoryStream(data, writable: false);
        var result = await rig.SshAsync(null, ["-W", $"127.0.0.1:{echo.Port}"], stdin);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(data.AsSpan().SequenceEqual(result.Stdout), $"{result.Stdout.Length} bytes came back, not the {data.Length} sent");
    });

    /// <summary>
    /// ssh -J relay: the jump is serve, the destination is the upstream sshd, whose host key
    /// the client checks strictly and which authenticates the client's own connection (so
    /// sshd sees two: serve's upstream and the jumped one).
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task ProxyJumpThroughServeReachesSshd() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        var config = await WriteJumpConfigAsync(rig);

        var result = await rig.RunClientAsync(Peers.Ssh, ["-F", config, "-J", "relay", "upstream", "echo via-jump"]);

        AssertReachedSshd(rig, result, "via-jump\n");
    });

    /// <summary>The same with ProxyCommand running ssh -W through serve.</summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task ProxyCommandThroughServeReachesSshd() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        var config = await WriteJumpConfigAsync(rig);
        var proxy = $"{Peers.Require(Peers.Ssh)} -F {config} -W %h:%p relay";

        var result = await rig.RunClientAsync(Peers.Ssh, ["-F", config, "-o", "ProxyCommand=" + proxy, "upstream", "echo via-proxycommand"]);

        AssertReachedSshd(rig, result, "via-proxycommand\n");
    });

    private static void AssertReachedSshd(RelayRig rig, PipedResult result, string expected)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected, result.StdoutText);
        Assert.Equal(1, rig.Serve.UpstreamConnects);
        Assert.Equal(2, rig.SshdAuthentications);
    }

    /// <summary>
    /// An ssh_config with "relay" (serve, the client key) and "upstream" (sshd, the upstream
    /// key), and a known_hosts file with both host keys, checked strictly.
    /// </summary>
    private static async Task<string> WriteJumpConfigAsync(RelayRig rig)
    {
        var knownHosts = rig.Work.File("jump_known_hosts");
        var sshdPort = rig.Sshd.Port.ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(knownHosts, await File.ReadAllTextAsync(rig.ClientKnownHosts)
            + $"[127.0.0.1]:{sshdPort} ssh-ed25519 {Convert.ToBase64String(rig.Sshd.HostKeys[0].PublicBlob)}\n");
        var config = rig.Work.File("jump_config");
        await File.WriteAllTextAsync(config, $"""
            Host relay
                HostName 127.0.0.1
                Port {rig.Serve.Port.ToString(CultureInfo.InvariantCulture)}
                User {RelayRig.User}
                IdentityFile {rig.ClientKey.PrivateKeyPath}
            Host upstream
                HostName 127.0.0.1
                Port {sshdPort}
                User {RelayRig.User}
                IdentityFile {rig.UpstreamKey.PrivateKeyPath}
            Host *
                BatchMode yes
                IdentitiesOnly yes
                UserKnownHostsFile {knownHosts}
                GlobalKnownHostsFile /dev/null
                StrictHostKeyChecking yes
                LogLevel ERROR
                ConnectTimeout 20

            """);
        return config;
    }

    /// <summary>
    /// Starts ssh -L and waits until it accepts connections; starts it again if it met serve's
    /// attach race (see <see cref="RelayAuthAttachRaceTests"/>), fails with its stderr otherwise.
    /// </summary>
    private static async Task<PipedProcess> StartForwardingAsync(RelayRig rig, IEnumerable<string> forward, int port, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var raceLines = rig.AttachRaceLogLines;
            var ssh = rig.StartSsh(null, forward);
            if (await WaitForListenerAsync(ssh, port, cancellationToken))
            {
                return ssh;
            }

            var stderr = ssh.StderrText;
            await ssh.DisposeAsync();
            Assert.True(attempt < 5 && rig.MetAttachRace(raceLines, stderr), "ssh -L exited: " + stderr);
        }
    }

    /// <summary>Waits until the port accepts connections: false if ssh exits first.</summary>
    private static async Task<bool> WaitForListenerAsync(PipedProcess ssh, int port, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (ssh.HasExited)
            {
                await ssh.WaitForExitAsync(TimeSpan.FromSeconds(10));
                return false;
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                return true;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    /// <summary>Sends the payload, half-closes, and reads until the far end closes.</summary>
    private static async Task<byte[]> EchoThroughAsync(int port, byte[] payload, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cancellationToken);
        var stream = client.GetStream();
        var send = Task.Run(async () =>
        {
            await stream.WriteAsync(payload, cancellationToken);
            client.Client.Shutdown(SocketShutdown.Send);
        }, cancellationToken);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cancellationToken);
        await send;
        return received.ToArray();
    }
}
