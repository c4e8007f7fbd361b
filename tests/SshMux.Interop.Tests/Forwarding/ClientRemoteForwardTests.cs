using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using SshMux.Interop.Tests.Harness;
using SshMux.Interop.Tests.PeerInterop;
using SshMux.Ssh;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Forwarding;

/// <summary>
/// Remote forwarding from ssh-mux's client (RFC 4254 section 7.1, `ssh -R`): the server listens
/// on a loopback port for us, connections to it arrive as forwarded-tcpip channels that our
/// handler echoes, cancel-tcpip-forward closes the port, and a server that does not allow
/// remote forwarding refuses with a clear error.
/// </summary>
public class ClientRemoteForwardTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task ForwardEchoAndCancelAgainstSshd() => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-rfwd-");
        var key = await PeerClientKey.GenerateAsync(_run, work.File("client_ed25519"));
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], SshPublicKeyLine.Parse(key.PublicKeyLine).Key, "AllowTcpForwarding yes", "LogLevel VERBOSE"));
        await using var session = await OurSession.ConnectWithKeyAsync(_run, sshd.Port, Environment.UserName, key, ct);
        await ForwardEchoAndCancelAsync(session, cancelWorks: true, ct);
    });

    /// <summary>
    /// Dropbear up to 2025.88 refuses every cancel-tcpip-forward: its listener lookup never
    /// matched (fixed upstream in April 2026, "Fix cancelling server TCP listeners", Dropbear
    /// issues 412 and 413). With such a Dropbear the refusal must be a clear error, and the
    /// listener must go when the connection does.
    /// </summary>
    [OtherPeerFact(Peers.Dropbear, Peers.DropbearKey, Peers.SshKeygen, PeerPrograms.Unshare)]
    public Task ForwardEchoAndCancelAgainstDropbear() => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-rfwd-");
        var key = await PeerClientKey.GenerateAsync(_run, work.File("client_ed25519"));
        await using var dropbear = await DropbearLoginServer.StartAsync(_run, key.PublicKeyLine);
        await using var session = await OurSession.ConnectWithKeyAsync(_run, dropbear.Port, Environment.UserName, key, ct);
        Assert.StartsWith("SSH-2.0-dropbear_", session.Transport.RemoteVersion, StringComparison.Ordinal);
        var year = int.Parse(session.Transport.RemoteVersion["SSH-2.0-dropbear_".Length..].Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
        var port = await ForwardEchoAndCancelAsync(session, cancelWorks: year >= 2026, ct);
        if (year < 2026)
        {
            await session.DisposeAsync();
            await AssertClosedAsync((int)port, ct);
        }
    });

    /// <summary>sshd with AllowTcpForwarding no answers tcpip-forward with failure: a clear exception, and the connection stays usable.</summary>
    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task RefusedBySshd() => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-rfwd-");
        var key = await PeerClientKey.GenerateAsync(_run, work.File("client_ed25519"));
        await using var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], SshPublicKeyLine.Parse(key.PublicKeyLine).Key, "AllowTcpForwarding no", "LogLevel VERBOSE"));
        await using var session = await OurSession.ConnectWithKeyAsync(_run, sshd.Port, Environment.UserName, key, ct);
        var forwarding = new RemoteForwarding(session.Connection);
        var refused = await Assert.ThrowsAsync<SshException>(() => forwarding.RequestAsync("127.0.0.1", 0, (_, _) => Task.CompletedTask, ct));
        Report("refusal: " + refused.Message);
        Assert.Contains("refused to forward 127.0.0.1:0", refused.Message, StringComparison.Ordinal);

        var result = await session.ExecAsync("echo still-usable", pty: false, ct);
        Assert.Equal("still-usable\n", result.StdoutText);
    });

    private async Task<uint> ForwardEchoAndCancelAsync(OurSession session, bool cancelWorks, CancellationToken ct)
    {
        var forwarding = new RemoteForwarding(session.Connection);
        var connections = new List<ForwardedTcpipInfo>();
        var forward = await forwarding.RequestAsync("127.0.0.1", 0, (channel, info) =>
        {
            lock (connections)
            {
                connections.Add(info);
            }

            return EchoAsync(channel, ct);
        }, ct);
        Report($"the server listens on 127.0.0.1:{forward.BoundPort} for us");
        Assert.InRange(forward.BoundPort, 1u, 65535u);

        // Three clients at once, each with its own channel, each byte-exact both ways.
        var payloads = Enumerable.Range(0, 3).Select(i => RandomNumberGenerator.GetBytes((i + 1) * 700 * 1024)).ToArray();
        var echoed = await Task.WhenAll(payloads.Select(p => RoundTripAsync((int)forward.BoundPort, p, ct)));
        for (var i = 0; i < payloads.Length; i++)
        {
            Assert.Equal(payloads[i].Length, echoed[i].Length);
            Assert.Equal(SHA256.HashData(payloads[i]), SHA256.HashData(echoed[i]));
        }

        lock (connections)
        {
            Assert.Equal(3, connections.Count);
            Assert.All(connections, c => Assert.Equal(forward.BoundPort, c.ConnectedPort));
            Assert.All(connections, c => Assert.Equal("127.0.0.1", c.OriginatorAddress));
        }

        if (!cancelWorks)
        {
            var refused = await Assert.ThrowsAsync<SshException>(() => forward.CancelAsync(ct));
            Report("cancel refused: " + refused.Message);
            Assert.Contains($"refused to cancel the forward of 127.0.0.1:{forward.BoundPort}", refused.Message, StringComparison.Ordinal);
            return forward.BoundPort;
        }

        await forward.CancelAsync(ct);
        await AssertClosedAsync((int)forward.BoundPort, ct);

        // Cancelling twice sends nothing more, and the connection carries on.
        await forward.CancelAsync(ct);
        Assert.Equal("after-cancel\n", (await session.ExecAsync("echo after-cancel", pty: false, ct)).StdoutText);
        return forward.BoundPort;
    }

    /// <summary>Sends everything back, passes EOF on, and closes when the server does.</summary>
    private static async Task EchoAsync(SshChannel channel, CancellationToken ct)
    {
        while (true)
        {
            var e = await channel.ReadEventAsync(ct);
            switch (e.Kind)
            {
                case ChannelEventKind.Data:
                    await channel.SendDataAsync(e.Data, null, ct);
                    channel.Release(e);
                    break;
                case ChannelEventKind.Eof:
                    await channel.SendEofAsync(ct);
                    break;
                case ChannelEventKind.Closed:
                    await channel.CloseAsync(ct);
                    return;
            }
        }
    }

    private static async Task<byte[]> RoundTripAsync(int port, byte[] data, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        var stream = client.GetStream();
        var writer = Task.Run(async () =>
        {
            await stream.WriteAsync(data, ct);
            client.Client.Shutdown(SocketShutdown.Send);
        }, ct);
        var received = new MemoryStream();
        await stream.CopyToAsync(received, ct);
        await writer;
        return received.ToArray();
    }

    /// <summary>The listener goes once the server has answered cancel-tcpip-forward; allow it a moment.</summary>
    private static async Task AssertClosedAsync(int port, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, ct);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"127.0.0.1:{port} still accepts connections 5 s after cancel-tcpip-forward");
            await Task.Delay(100, ct);
        }
    }

    private void Report(string line)
    {
        _run.Note(line);
        output.WriteLine(line);
    }
}
