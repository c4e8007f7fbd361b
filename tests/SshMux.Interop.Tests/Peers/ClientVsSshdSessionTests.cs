using System.Security.Cryptography;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Keys;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// ssh-mux's client signed in to OpenSSH's sshd directly (not through serve): exec, a pty and
/// direct-tcpip, the same scenarios as against Dropbear, Paramiko and ssh2. sshd logs at
/// VERBOSE, since at DEBUG3 sshd -e lets the session child print debug lines onto the
/// session's stderr.
/// </summary>
public class ClientVsSshdSessionTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    private async Task<(TempDirectory Work, SshdInstance Sshd, OurSession Session)> ConnectAsync(CancellationToken ct)
    {
        var work = new TempDirectory("sshmux-peers-");
        try
        {
            var key = await PeerClientKey.GenerateAsync(_run, work.File("client_ed25519"));
            var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], SshPublicKeyLine.Parse(key.PublicKeyLine).Key, "LogLevel VERBOSE", "AllowTcpForwarding yes", "PermitTTY yes"));
            try
            {
                var session = await OurSession.ConnectWithKeyAsync(_run, sshd.Port, Environment.UserName, key, ct);
                Assert.StartsWith("SSH-2.0-OpenSSH", session.Transport.RemoteVersion, StringComparison.Ordinal);
                Assert.Equal(sshd.HostKeys[0].PublicBlob, session.Transport.HostKey!.Blob.ToArray());
                return (work, sshd, session);
            }
            catch
            {
                await sshd.DisposeAsync();
                throw;
            }
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task ExecKeepsStderrApartAndReturnsTheExitStatus(int code) => _run.RunAsync(async ct =>
    {
        var (work, sshd, session) = await ConnectAsync(ct);
        using (work)
        await using (sshd)
        await using (session)
        {
            var result = await session.ExecAsync($"echo to-stdout; echo to-stderr >&2; exit {code}", pty: false, ct);
            Assert.True((uint)code == result.ExitStatus, result.ToString());
            Assert.Equal("to-stdout\n", result.StdoutText);
            Assert.Equal("to-stderr\n", result.StderrText);
        }
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task Pty() => _run.RunAsync(async ct =>
    {
        var (work, sshd, session) = await ConnectAsync(ct);
        using (work)
        await using (sshd)
        await using (session)
        {
            var result = await session.ExecAsync("tty; exit 3", pty: true, ct);
            Assert.True(result.ExitStatus == 3, result.ToString());
            Assert.Matches(PuttyThroughServeTests.PtyLine(), result.StdoutText);
        }
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task DirectTcpipToAnEchoServer() => _run.RunAsync(async ct =>
    {
        var (work, sshd, session) = await ConnectAsync(ct);
        using (work)
        await using (sshd)
        await using (session)
        await using (var echo = new LoopbackEcho())
        {
            var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
            var back = await session.DirectTcpipAsync(echo.Port, data, ct);
            Assert.Equal(data.Length, back.Length);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));
            Assert.Equal(data.Length, echo.BytesEchoed);
        }
    });
}
