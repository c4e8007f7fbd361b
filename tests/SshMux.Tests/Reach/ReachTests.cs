using System.Diagnostics;
using System.Globalization;
using SshMux.Interop.Tests.Harness;
using SshMux.Tests.Pool;
using Xunit.Abstractions;

namespace SshMux.Tests.Reach;

/// <summary>
/// Reaching hosts that are not directly connected: a ProxyJump chain of two jump sshds in
/// front of a target sshd, ProxyCommand routes through `ssh -W` and through socat, and a
/// ProxyCommand that dies at once, whose own words must reach the client (seed 002's failure
/// left only "Premature close").
/// </summary>
public sealed class ReachTests(ITestOutputHelper output)
{
    private const string Socat = "socat";

    private readonly InteropRun _run = new(output);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task JumpChainOfTwoReachesTheTargetAndIsShared() => _run.RunAsync(async ct =>
    {
        await using var rig = await PoolRig.StartAsync(_run);
        var outer = await rig.StartSshdAsync("AllowTcpForwarding yes");
        var inner = await rig.StartSshdAsync("AllowTcpForwarding yes");
        var target = await rig.StartSshdAsync("LogLevel VERBOSE");
        var targetB = await rig.StartSshdAsync("LogLevel VERBOSE");
        rig.AddRoute("deep", rig.Hop(target.Port), [rig.Hop(outer.Port), rig.Hop(inner.Port)]);
        rig.AddRoute("deep-b", rig.Hop(targetB.Port), [rig.Hop(outer.Port), rig.Hop(inner.Port)]);

        var first = await rig.SshAsync("deep", "echo through-two-jumps");
        var second = await rig.SshAsync("deep-b", "echo other-target");

        Assert.True(first.ExitCode == 0 && first.StdoutText == "through-two-jumps\n", first.ToString());
        Assert.True(second.ExitCode == 0 && second.StdoutText == "other-target\n", second.ToString());

        // Each jump was asked for a direct-tcpip channel to the next hop (sshd logs the target it connected to).
        Assert.True(outer.Process.Count(l => l.Contains("target 127.0.0.1 port " + Port(inner.Port), StringComparison.Ordinal)) >= 1, outer.Process.Tail());
        Assert.True(inner.Process.Count(l => l.Contains("target 127.0.0.1 port " + Port(target.Port), StringComparison.Ordinal)) >= 1, inner.Process.Tail());
        Assert.True(inner.Process.Count(l => l.Contains("target 127.0.0.1 port " + Port(targetB.Port), StringComparison.Ordinal)) >= 1, inner.Process.Tail());

        // The jump connections are pooled: one each, shared by both routes (4 connections in all).
        Assert.Equal(1, PoolRig.Accepted(outer));
        Assert.Equal(1, PoolRig.Accepted(inner));
        Assert.Equal(4, rig.Pool.ConnectCount);
        var snapshot = rig.Pool.Snapshot();
        Assert.Contains(snapshot, s => s.Route == "deep" && s.Upstream.Split(" -> ").Length == 3);
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task ProxyCommandThroughSshW() => _run.RunAsync(async ct =>
    {
        await using var rig = await PoolRig.StartAsync(_run);
        var jump = await rig.StartSshdAsync("AllowTcpForwarding yes");
        var target = await rig.StartSshdAsync("LogLevel VERBOSE");
        var command = $"{Peers.Require(Peers.Ssh)} -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i {rig.UpstreamKey.PrivateKeyPath} " +
            $"-o UserKnownHostsFile={rig.KnownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes " +
            $"-p {Port(jump.Port)} -W 127.0.0.1:{Port(target.Port)} {PoolRig.User}@127.0.0.1";
        rig.AddRoute("via-ssh", rig.Hop(target.Port, command));

        var result = await rig.SshAsync("via-ssh", "echo via-ssh-W");

        Assert.True(result.ExitCode == 0 && result.StdoutText == "via-ssh-W\n", result.ToString());
        Assert.Equal(1, PoolRig.Accepted(jump));
        Assert.Equal(1, PoolRig.Accepted(target));
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen, Socat)]
    public Task ProxyCommandThroughSocatAndTheProcessEndsWithTheConnection() => _run.RunAsync(async ct =>
    {
        await using var rig = await PoolRig.StartAsync(_run);
        var target = await rig.StartSshdAsync("LogLevel VERBOSE");
        rig.AddRoute("via-socat", rig.Hop(target.Port, $"{Peers.Require(Socat)} - TCP:127.0.0.1:{Port(target.Port)}"));

        var result = await rig.SshAsync("via-socat", "echo via-socat");

        Assert.True(result.ExitCode == 0 && result.StdoutText == "via-socat\n", result.ToString());
        Assert.Equal(1, PoolRig.Accepted(target));
        Assert.Single(SocatProcesses(target.Port));

        // Closing the pool ends the connection, and the ProxyCommand process with it.
        await rig.Pool.DisposeAsync();
        await PoolRig.WaitForAsync(() => SocatProcesses(target.Port).Count == 0, TimeSpan.FromSeconds(5), "socat to be killed");
    });

    /// <summary>
    /// The command dies before the server could say anything: the client hears its exit status
    /// and its stderr at once. In the second case a background child inherits stdout and
    /// stderr, so neither pipe ends when the command exits: the exit alone must be enough.
    /// </summary>
    [PeerTheory(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    [InlineData("echo \"coder: workspace agent is not connected\" >&2; exit 7", 7, "coder: workspace agent is not connected")]
    [InlineData("sleep 5 & echo \"proxy: tunnel refused\" >&2; exit 5", 5, "proxy: tunnel refused")]
    public Task ProxyCommandThatExitsAtOnceIsReportedWithItsStderrAndStatus(string script, int status, string stderr) => _run.RunAsync(async ct =>
    {
        await using var rig = await PoolRig.StartAsync(_run);
        rig.AddRoute("broken", rig.Hop(9, $"sh -c '{script}'"));

        var clock = Stopwatch.StartNew();
        var result = await rig.SshAsync("broken", "echo should-not-run");
        output.WriteLine($"the client got the ProxyCommand's failure after {clock.Elapsed.TotalSeconds:0.00} s (ssh's own connect and authentication included)");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"exited with status {status.ToString(CultureInfo.InvariantCulture)} before the server's identification string: {stderr}", result.StderrText, StringComparison.Ordinal);
        Assert.DoesNotContain("Premature close", result.StderrText, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed.TotalSeconds:0.0} s");
    });

    /// <summary>socat processes started for the target port (from /proc, so the test does not trust ssh-mux's own bookkeeping).</summary>
    private static List<int> SocatProcesses(int port)
    {
        var needle = "TCP:127.0.0.1:" + Port(port);
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains("socat", StringComparison.Ordinal) && commandLine.Contains(needle, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
