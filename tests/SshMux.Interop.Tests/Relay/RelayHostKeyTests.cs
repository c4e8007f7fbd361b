using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>serve checks the upstream's host key against its known_hosts as strictly as OpenSSH.</summary>
[Collection(RelayTestGroup.Name)]
public class RelayHostKeyTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>Empty known_hosts: the session fails, nothing is authenticated upstream, and serve says the key is not known and gives its fingerprint.</summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task UnknownUpstreamHostKeyIsRefused() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run, new RelayRigOptions { Trust = UpstreamTrust.Unknown });

        var result = await rig.SshAsync("echo unreachable", logLevel: "INFO");

        AssertRefused(rig, result);
        var presented = Fingerprints.Sha256(rig.Sshd.HostKeys[0].PublicBlob);
        var line = await rig.Serve.Process.WaitForLineAsync(l => l.Contains("is not known", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the unknown host key message");
        Assert.Contains(presented, line, StringComparison.Ordinal);
        Assert.Contains($"[127.0.0.1]:{rig.Sshd.Port}", line, StringComparison.Ordinal);
    });

    /// <summary>known_hosts lists another key for the host: the session fails and serve says CHANGED, with both fingerprints.</summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task ChangedUpstreamHostKeyIsRefused() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run, new RelayRigOptions { Trust = UpstreamTrust.Changed });

        var result = await rig.SshAsync("echo unreachable", logLevel: "INFO");

        AssertRefused(rig, result);
        var presented = Fingerprints.Sha256(rig.Sshd.HostKeys[0].PublicBlob);
        var listedLine = (await File.ReadAllTextAsync(Path.Combine(rig.Serve.SshDirectory, "known_hosts"))).Trim();
        var listed = Fingerprints.Sha256(Convert.FromBase64String(listedLine.Split(' ')[2]));
        var line = await rig.Serve.Process.WaitForLineAsync(l => l.Contains("CHANGED", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the changed host key message");
        Assert.Contains(presented, line, StringComparison.Ordinal);
        Assert.Contains(listed, line, StringComparison.Ordinal);
        Assert.NotEqual(presented, listed);
    });

    private static void AssertRefused(RelayRig rig, PipedResult result)
    {
        Assert.True(result.ExitCode != 0 && result.Stdout.Length == 0, result.ToString());
        Assert.Contains("open failed", result.StderrText, StringComparison.Ordinal);
        Assert.Equal(0, rig.Serve.UpstreamConnects);
        Assert.Equal(0, rig.SshdAuthentications);
        Assert.False(rig.Serve.Process.HasExited, "serve exited:\n" + rig.Serve.Process.Tail());
    }
}
