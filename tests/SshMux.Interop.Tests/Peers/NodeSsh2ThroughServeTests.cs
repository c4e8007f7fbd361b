using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// node's ssh2 client through `ssh-mux serve` to a real sshd: exec and an SFTP download.
/// ssh2 checks serve's host key against the expected blob and signs in with the OpenSSH key.
/// </summary>
public class NodeSsh2ThroughServeTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    private Task<ScriptResult> ClientAsync(MuxRelay relay, params string[] modeAndArguments) =>
        relay.RetryAttachRaceAsync(_run, () => ScriptPeer.NodeClientAsync(_run, relay.Work.Path,
            [modeAndArguments[0], relay.PortText, MuxRelay.User, relay.ClientKey.PrivateKeyPath, relay.HostKeyBase64, .. modeAndArguments[1..]]), _ => true);

    [OtherPeerTheory(Peers.Sshd, Peers.SshKeygen, PeerPrograms.NodeSsh2)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task ExecKeepsStderrApartAndReturnsTheExitStatus(int code) => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.NodeSsh2);
        await using var relay = await MuxRelay.StartAsync(_run);
        var result = await ClientAsync(relay, "exec", $"echo to-stdout; echo to-stderr >&2; exit {code}");
        Assert.Equal(code, result.Int("status"));
        Assert.Equal("to-stdout\n", result.Text("stdout"));
        Assert.Equal("to-stderr\n", result.Text("stderr"));
    });

    /// <summary>SFTP fastGet (several reads in flight) of a 24 MB file from the upstream.</summary>
    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, PeerPrograms.NodeSsh2)]
    public Task SftpGet() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.NodeSsh2);
        await using var relay = await MuxRelay.StartAsync(_run);
        var (remote, sha) = await relay.RandomFileAsync("remote.bin", 24 * 1024 * 1024);
        var local = relay.Work.File("download.bin");
        await ClientAsync(relay, "sftp-get", remote, local);
        Assert.Equal(sha, await MuxRelay.Sha256Async(local));
    }, TimeSpan.FromSeconds(150));
}
