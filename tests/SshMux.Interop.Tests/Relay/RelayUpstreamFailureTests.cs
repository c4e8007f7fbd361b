using System.Diagnostics;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>The upstream going away under a running session, and coming back.</summary>
[Collection(RelayTestGroup.Name)]
public class RelayUpstreamFailureTests(ITestOutputHelper output)
{
    /// <summary>How soon the client must learn that its session is gone.</summary>
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(10);
    private readonly InteropRun _run = new(output);

    /// <summary>
    /// sshd's per-connection processes are killed (its listener stays): the running session
    /// ends with an error at once, serve keeps running, and the next session gets a new
    /// upstream connection.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task UpstreamConnectionKilledMidSessionThenReconnects() => _run.RunAsync(async ct =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        await using var ssh = await rig.StartSessionAsync("echo started; exec sleep 120", "started\n", ct);

        Assert.True(SshdRestart.KillConnections(rig.Sshd) > 0, "sshd had no connection process to kill");
        await AssertEndsPromptlyWithErrorAsync(ssh);
        Assert.False(rig.Serve.Process.HasExited, "serve exited:\n" + rig.Serve.Process.Tail());

        var again = await rig.SshAsync("echo again");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("again\n", again.StdoutText);
        Assert.Equal(2, rig.Serve.UpstreamConnects);
        Assert.Equal(2, rig.SshdAuthentications);
    });

    /// <summary>
    /// The whole sshd dies: the running session ends with an error at once; while sshd is
    /// down a new session is refused with a reason; once sshd is back on its port, a new
    /// session works over a new upstream connection.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task UpstreamServerRestartedThenReconnects() => _run.RunAsync(async ct =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        await using var ssh = await rig.StartSessionAsync("echo started; exec sleep 120", "started\n", ct);

        await SshdRestart.KillAllAsync(rig.Sshd);
        await AssertEndsPromptlyWithErrorAsync(ssh);
        Assert.False(rig.Serve.Process.HasExited, "serve exited:\n" + rig.Serve.Process.Tail());

        var down = await rig.SshAsync("echo unreachable", logLevel: "INFO");
        Assert.True(down.ExitCode != 0 && down.Stdout.Length == 0, down.ToString());
        Assert.Contains("open failed", down.StderrText, StringComparison.Ordinal);
        Assert.Contains("Connection refused", down.StderrText, StringComparison.Ordinal);
        Assert.False(rig.Serve.Process.HasExited, "serve exited:\n" + rig.Serve.Process.Tail());

        await using var restarted = _run.Track(await SshdRestart.StartAgainAsync(rig.Sshd));
        var again = await rig.SshAsync("echo again");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("again\n", again.StdoutText);
        Assert.Equal(2, rig.Serve.UpstreamConnects);
        Assert.Equal(1, restarted.Count(l => l.Contains("Accepted publickey for " + RelayRig.User + " ", StringComparison.Ordinal)));
    });

    private static async Task AssertEndsPromptlyWithErrorAsync(PipedProcess ssh)
    {
        var clock = Stopwatch.StartNew();
        var code = await ssh.WaitForExitAsync(Promptly);
        Assert.True(code != 0, $"ssh exited with {code} after its upstream died (stderr: {ssh.StderrText})");
        Assert.True(clock.Elapsed < Promptly, $"ssh took {clock.Elapsed.TotalSeconds:0.0} s to notice");
    }
}
