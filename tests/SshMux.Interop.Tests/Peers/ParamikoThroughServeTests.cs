using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// Paramiko's client through `ssh-mux serve` to a real sshd: exec, a pty, SFTP both ways and
/// direct-tcpip. Paramiko trusts only serve's host key (RejectPolicy otherwise) and signs in
/// with the OpenSSH key file, no agent.
/// </summary>
public class ParamikoThroughServeTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    private Task<ScriptResult> ClientAsync(MuxRelay relay, params string[] modeAndArguments) =>
        relay.RetryAttachRaceAsync(_run, () => ScriptPeer.ParamikoClientAsync(_run, relay.Work.Path,
            [modeAndArguments[0], relay.PortText, MuxRelay.User, relay.ClientKey.PrivateKeyPath, relay.HostKeyBase64, .. modeAndArguments[1..]]), _ => true);

    [OtherPeerTheory(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Paramiko)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task ExecKeepsStderrApartAndReturnsTheExitStatus(int code) => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Paramiko);
        await using var relay = await MuxRelay.StartAsync(_run);
        var result = await ClientAsync(relay, "exec", $"echo to-stdout; echo to-stderr >&2; exit {code}");
        Assert.Equal(code, result.Int("status"));
        Assert.Equal("to-stdout\n", result.Text("stdout"));
        Assert.Equal("to-stderr\n", result.Text("stderr"));
    });

    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Paramiko)]
    public Task Pty() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Paramiko);
        await using var relay = await MuxRelay.StartAsync(_run);
        var result = await ClientAsync(relay, "pty", "tty; exit 3");
        Assert.Equal(3, result.Int("status"));
        Assert.Matches(PuttyThroughServeTests.PtyLine(), result.Text("stdout"));
    });

    /// <summary>SFTP put of 24 MB and get back; the upstream copy and the downloaded one must hash as the original.</summary>
    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Paramiko)]
    public Task SftpPutAndGet() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Paramiko);
        await using var relay = await MuxRelay.StartAsync(_run);
        var (local, sha) = await relay.RandomFileAsync("upload.bin", 24 * 1024 * 1024);
        var remote = relay.Work.File("remote.bin");
        var back = relay.Work.File("download.bin");
        await ClientAsync(relay, "sftp", local, remote, back);
        Assert.Equal(sha, await MuxRelay.Sha256Async(remote));
        Assert.Equal(sha, await MuxRelay.Sha256Async(back));
    }, TimeSpan.FromSeconds(150));

    /// <summary>direct-tcpip through serve and sshd to a loopback echo server: 3 MB there and back, larger than any window.</summary>
    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Paramiko)]
    public Task DirectTcpipToAnEchoServer() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Paramiko);
        await using var relay = await MuxRelay.StartAsync(_run);
        await using var echo = new LoopbackEcho();
        const int size = 3 * 1024 * 1024;
        var result = await ClientAsync(relay, "forward", echo.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(size, result.Int("received"));
        Assert.Equal(result.String("sent_sha256"), result.String("received_sha256"));
        Assert.Equal(1, echo.Connections);
        Assert.Equal(size, echo.BytesEchoed);
    });
}
