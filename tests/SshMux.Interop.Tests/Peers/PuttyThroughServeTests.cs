using System.Text.RegularExpressions;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.PeerInterop;

/// <summary>
/// PuTTY's command-line clients (plink, psftp) through `ssh-mux serve` to a real sshd. PuTTY
/// gets the key converted by puttygen and serve's host key pinned with -hostkey, and -batch
/// so that it never prompts; HOME is a private directory so ~/.putty is the test's.
/// </summary>
public partial class PuttyThroughServeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Put before a command's exit: a background sleep keeps its stdout open a moment, so sshd
    /// sends exit-status before EOF. For a command that exits at once sshd usually sends EOF
    /// first, and plink then meets the bug of <see cref="PlinkGetsAnExitStatusThatComesAfterEof"/>
    /// at random; these tests are about the other things.
    /// </summary>
    private const string ExitStatusFirst = "(sleep 0.3 &); ";
    private readonly InteropRun _run = new(output);

    /// <summary>Output on both streams, then the exit code: plink must keep stderr off stdout and exit with the remote status.</summary>
    [OtherPeerTheory(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Plink, PeerPrograms.PuttyGen)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(44)]
    public Task PlinkExecKeepsStderrApartAndReturnsTheExitCode(int code) => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Plink, PeerPrograms.PuttyGen);
        await using var relay = await MuxRelay.StartAsync(_run);
        var upstreamConnects = relay.UpstreamConnects;
        var result = await PlinkAsync(relay, [], $"echo to-stdout; echo to-stderr >&2; {ExitStatusFirst}exit {code}", ran: r => r.StdoutText.Length > 0);
        Assert.True(code == result.ExitCode && result.StdoutText == "to-stdout\n" && result.StderrText == "to-stderr\n", $"Expected exit {code}, stdout \"to-stdout\\n\", stderr \"to-stderr\\n\"; got {result}");

        // plink's session rode the upstream connection serve already had.
        Assert.Equal(upstreamConnects, relay.UpstreamConnects);
    });

    /// <summary>plink -t asks for a pty (pty-req): the remote command runs on /dev/pts/N, whose line discipline turns \n into \r\n.</summary>
    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Plink, PeerPrograms.PuttyGen)]
    public Task PlinkPty() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Plink, PeerPrograms.PuttyGen);
        await using var relay = await MuxRelay.StartAsync(_run);
        var result = await PlinkAsync(relay, ["-t"], $"tty; {ExitStatusFirst}exit 3", ran: r => r.ExitCode == 3);
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Matches(PtyLine(), result.StdoutText);
    });

    /// <summary>Stdin through plink to the remote command and its digest back: client-to-server data through serve.</summary>
    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Plink, PeerPrograms.PuttyGen)]
    public Task PlinkStdinReachesTheRemoteCommand() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Plink, PeerPrograms.PuttyGen);
        await using var relay = await MuxRelay.StartAsync(_run);
        var data = new byte[4 * 1024 * 1024];
        System.Security.Cryptography.RandomNumberGenerator.Fill(data);
        var result = await PlinkAsync(relay, [], "sha256sum", r => r.ExitCode == 0, data);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)) + "  -\n", result.StdoutText);
    });

    /// <summary>
    /// A command that closes its output before it exits: sshd sends EOF, then exit-status when
    /// the command has exited. plink, having sent its own EOF (stdin is empty), sends
    /// CHANNEL_CLOSE as soon as it has the server's EOF, and still takes the exit-status that
    /// comes after (PuTTY handles channel requests after its CLOSE; straight to sshd it exits
    /// 3, checked first). serve's local channel answers plink's CLOSE with its own at once
    /// (SshChannel sends CLOSE back on receipt), so the upstream's exit-status, relayed after
    /// that, can no longer be sent and plink exits 0: every plink run through serve whose
    /// upstream sends EOF before exit-status (most commands that exit at once) loses its exit code.
    /// </summary>
    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Plink, PeerPrograms.PuttyGen)]
    public Task PlinkGetsAnExitStatusThatComesAfterEof() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Plink, PeerPrograms.PuttyGen);
        await using var relay = await MuxRelay.StartAsync(_run);
        const string command = "echo to-stdout; exec >&- 2>&-; sleep 0.5; exit 3";

        var upstreamPpk = await relay.UpstreamKey.ToPuttyAsync(_run);
        var direct = await CapturedProcess.RunAsync(_run, "plink (to sshd)", PeerPrograms.Locate(PeerPrograms.Plink),
            ["-batch", "-ssh", "-P", relay.Sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", upstreamPpk, "-hostkey", PeerClientKey.Sha256Fingerprint(relay.Sshd.HostKeys[0].PublicBlob), MuxRelay.User + "@127.0.0.1", command],
            ClientTimeout, PuttyEnvironment(relay));
        Assert.True(direct.ExitCode == 3 && direct.StdoutText == "to-stdout\n", "plink straight to sshd: " + direct);

        var result = await PlinkAsync(relay, [], command, ran: r => r.StdoutText.Length > 0);
        Assert.True(result.ExitCode == 3 && result.StdoutText == "to-stdout\n", $"plink through serve: expected exit 3 as straight to sshd; got {result}");
    });

    /// <summary>psftp puts a 32 MB file and gets it back; both copies must hash as the original.</summary>
    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Psftp, PeerPrograms.PuttyGen)]
    public Task PsftpPutAndGet() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Psftp, PeerPrograms.PuttyGen);
        await using var relay = await MuxRelay.StartAsync(_run);
        var (local, sha) = await relay.RandomFileAsync("upload.bin", 32 * 1024 * 1024);
        var remote = relay.Work.File("remote.bin");
        var back = relay.Work.File("download.bin");
        var batch = relay.Work.File("psftp.batch");
        await File.WriteAllTextAsync(batch, $"put \"{local}\" \"{remote}\"\nget \"{remote}\" \"{back}\"\nquit\n");
        var ppk = await relay.ClientKey.ToPuttyAsync(_run);
        var result = await relay.RetryAttachRaceAsync(_run, () => CapturedProcess.RunAsync(_run, "psftp", PeerPrograms.Locate(PeerPrograms.Psftp),
            ["-batch", "-b", batch, "-P", relay.PortText, "-i", ppk, "-hostkey", relay.HostKeyFingerprint, "-l", MuxRelay.User, "127.0.0.1"],
            ClientTimeout, PuttyEnvironment(relay)), r => r.ExitCode == 0);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(sha, await MuxRelay.Sha256Async(remote));
        Assert.Equal(sha, await MuxRelay.Sha256Async(back));
    }, TimeSpan.FromSeconds(120));

    /// <summary>Runs plink through serve; <paramref name="ran"/> tells a run whose command ran from one that may have met serve's attach race.</summary>
    private async Task<CapturedResult> PlinkAsync(MuxRelay relay, IEnumerable<string> options, string command, Func<CapturedResult, bool> ran, byte[]? stdin = null)
    {
        var ppk = await relay.ClientKey.ToPuttyAsync(_run);
        List<string> arguments = ["-batch", "-ssh", "-P", relay.PortText, "-i", ppk, "-hostkey", relay.HostKeyFingerprint, .. options, MuxRelay.User + "@127.0.0.1", command];
        return await relay.RetryAttachRaceAsync(_run, () => CapturedProcess.RunAsync(_run, "plink", PeerPrograms.Locate(PeerPrograms.Plink), arguments, ClientTimeout, PuttyEnvironment(relay), stdin), ran);
    }

    /// <summary>PuTTY keeps its host key cache and random seed under $HOME/.putty.</summary>
    private static Dictionary<string, string?> PuttyEnvironment(MuxRelay relay)
    {
        var home = relay.Work.File("putty-home");
        Directory.CreateDirectory(home);
        return new Dictionary<string, string?> { ["HOME"] = home, ["SSH_AUTH_SOCK"] = null };
    }

    [GeneratedRegex(@"\A/dev/pts/\d+\r\n\z")]
    internal static partial Regex PtyLine();
}
