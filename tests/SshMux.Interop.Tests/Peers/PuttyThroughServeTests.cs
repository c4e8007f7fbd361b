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
        var result = await PlinkAsync(relay, [], $"echo to-stdout; echo to-stderr >&2; exit {code}", ran: r => r.StdoutText.Length > 0);
        Assert.True(code == result.ExitCode, result.ToString());
        Assert.Equal("to-stdout\n", result.StdoutText);
        Assert.Equal("to-stderr\n", result.StderrText);

        // plink's session rode the upstream connection serve already had.
        Assert.Equal(upstreamConnects, relay.UpstreamConnects);
    });

    /// <summary>plink -t asks for a pty (pty-req): the remote command runs on /dev/pts/N, whose line discipline turns \n into \r\n.</summary>
    [OtherPeerFact(Peers.Sshd, Peers.SshKeygen, PeerPrograms.Plink, PeerPrograms.PuttyGen)]
    public Task PlinkPty() => _run.RunAsync(async _ =>
    {
        PeerPrograms.Require(PeerPrograms.Plink, PeerPrograms.PuttyGen);
        await using var relay = await MuxRelay.StartAsync(_run);
        var result = await PlinkAsync(relay, ["-t"], "tty; exit 3", ran: r => r.ExitCode == 3);
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
