using System.Security.Cryptography;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// ssh-mux's client signed in to a real Dropbear server with a key: exec, a pty and
/// direct-tcpip, the sessions of Dropbear's own server code (the Dropbear folder's tests stop
/// at the key exchange).
/// </summary>
public class ClientVsDropbearSessionTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    private async Task<(TempDirectory Work, DropbearLoginServer Dropbear, OurSession Session)> ConnectAsync(CancellationToken ct)
    {
        var work = new TempDirectory("sshmux-peers-");
        try
        {
            var key = await PeerClientKey.GenerateAsync(_run, work.File("client_ed25519"));
            var dropbear = await DropbearLoginServer.StartAsync(_run, key.PublicKeyLine);
            try
            {
                var session = await OurSession.ConnectWithKeyAsync(_run, dropbear.Port, Environment.UserName, key, ct);
                Assert.StartsWith("SSH-2.0-dropbear", session.Transport.RemoteVersion, StringComparison.Ordinal);
                Assert.Equal(dropbear.HostKey.PublicBlob, session.Transport.HostKey!.Blob.ToArray());
                return (work, dropbear, session);
            }
            catch
            {
                await dropbear.DisposeAsync();
                throw;
            }
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    [OtherPeerTheory(Peers.Dropbear, Peers.DropbearKey, Peers.SshKeygen, PeerPrograms.Unshare)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task ExecKeepsStderrApartAndReturnsTheExitStatus(int code) => _run.RunAsync(async ct =>
    {
        var (work, dropbear, session) = await ConnectAsync(ct);
        using (work)
        await using (dropbear)
        await using (session)
        {
            var result = await session.ExecAsync($"echo to-stdout; echo to-stderr >&2; exit {code}", pty: false, ct);
            Assert.True((uint)code == result.ExitStatus, result.ToString());
            Assert.Equal("to-stdout\n", result.StdoutText);
            Assert.Equal("to-stderr\n", result.StderrText);
            Assert.Equal(["publickey"], session.Auth.Methods);
        }
    });

    [OtherPeerFact(Peers.Dropbear, Peers.DropbearKey, Peers.SshKeygen, PeerPrograms.Unshare)]
    public Task Pty() => _run.RunAsync(async ct =>
    {
        var (work, dropbear, session) = await ConnectAsync(ct);
        using (work)
        await using (dropbear)
        await using (session)
        {
            var result = await session.ExecAsync("tty; exit 3", pty: true, ct);
            Assert.True(result.ExitStatus == 3, result.ToString());
            Assert.Matches(PuttyThroughServeTests.PtyLine(), result.StdoutText);
        }
    });

    /// <summary>3 MB to a loopback echo server through dropbear and back: more than dropbear's 24 KiB default receive window many times over.</summary>
    [OtherPeerFact(Peers.Dropbear, Peers.DropbearKey, Peers.SshKeygen, PeerPrograms.Unshare)]
    public Task DirectTcpipToAnEchoServer() => _run.RunAsync(async ct =>
    {
        var (work, dropbear, session) = await ConnectAsync(ct);
        using (work)
        await using (dropbear)
        await using (session)
        await using (var echo = new LoopbackEcho())
        {
            var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
            var back = await session.DirectTcpipAsync(echo.Port, data, ct);
            Assert.Equal(data.Length, back.Length);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));
            Assert.Equal(1, echo.Connections);
            Assert.Equal(data.Length, echo.BytesEchoed);
        }
    });
}
