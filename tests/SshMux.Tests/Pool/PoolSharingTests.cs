using System.Globalization;
using SshMux.Interop.Tests.Harness;
using SshMux.Pool;
using Xunit.Abstractions;

namespace SshMux.Tests.Pool;

/// <summary>
/// Who shares which pooled connection, through the real OpenSSH client and real sshd
/// upstreams: one connection per route and local key, more when the upstream's MaxSessions
/// is reached, none for a locked pool or a name that is not a route.
/// </summary>
public sealed class PoolSharingTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task SameRouteTwoLocalKeysGetTwoUpstreamConnections() => _run.RunAsync(async ct =>
    {
        await using var rig = await PoolRig.StartAsync(_run);
        var sshd = await rig.StartSshdAsync("LogLevel VERBOSE");
        rig.AddRoute("web", rig.Hop(sshd.Port));

        var first = await rig.SshAsync("web", "echo one", key: 0);
        var again = await rig.SshAsync("web", "echo two", key: 0);
        var other = await rig.SshAsync("web", "echo three", key: 1);

        Assert.True(first.ExitCode == 0 && first.StdoutText == "one\n", first.ToString());
        Assert.True(again.ExitCode == 0 && again.StdoutText == "two\n", again.ToString());
        Assert.True(other.ExitCode == 0 && other.StdoutText == "three\n", other.ToString());

        // The second run of key 0 reused its connection; key 1 got its own.
        Assert.Equal(2, rig.Pool.ConnectCount);
        Assert.Equal(2, PoolRig.Accepted(sshd));
        // A client may exit before the relay has given its channel back: wait for that.
        await PoolRig.WaitForAsync(() => rig.Pool.Snapshot().All(s => s.Channels == 0), TimeSpan.FromSeconds(5), "the channels to be given back");
        var snapshot = rig.Pool.Snapshot();
        Assert.Equal(2, snapshot.Count(s => s.Route == "web"));

        // Status counts what went through each: key 0's connection carried two sessions, key 1's one.
        Assert.All(snapshot, s => Assert.True(s.BytesIn >= 4 && s.State == "idle" && s.Channels == 0, s.ToString()));
        Assert.Equal(["one\n".Length + "two\n".Length, "three\n".Length], snapshot.Select(s => (int)s.BytesIn).OrderDescending());
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task UpstreamWithMaxSessionsTwoServesTenSimultaneousSessions() => _run.RunAsync(async ct =>
    {
        await using var rig = await PoolRig.StartAsync(_run);
        var sshd = await rig.StartSshdAsync("LogLevel VERBOSE", "MaxSessions 2");
        rig.AddRoute("busy", rig.Hop(sshd.Port));

        // Ten clients at once, each holding its session for a moment so they overlap.
        var runs = await Task.WhenAll(Enumerable.Range(1, 10).Select(i => rig.SshAsync("busy", $"sleep 2; echo session-{i.ToString(CultureInfo.InvariantCulture)}")));

        for (var i = 0; i < runs.Length; i++)
        {
            Assert.True(runs[i].ExitCode == 0 && runs[i].StdoutText == $"session-{(i + 1).ToString(CultureInfo.InvariantCulture)}\n", runs[i].ToString());
        }

        // Two sessions per connection: at least five upstream connections, each authenticated by sshd.
        Assert.True(rig.Pool.ConnectCount >= 5, $"{rig.Pool.ConnectCount} upstream connection(s)");
        Assert.Equal(rig.Pool.ConnectCount, PoolRig.Accepted(sshd));
        Assert.True(_run.Logged("refused another session"), "the pool did not log the refusal it worked around");
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task LockedPoolRefusesNewSessionsWhileAnOpenOneKeepsWorking() => _run.RunAsync(async ct =>
    {
        await using var rig = await PoolRig.StartAsync(_run);
        var sshd = await rig.StartSshdAsync("LogLevel VERBOSE");
        rig.AddRoute("web", rig.Hop(sshd.Port));

        await using var open = rig.StartSsh("web", "echo started; sleep 3; echo still-working");
        await PoolRig.ReadUntilAsync(open, "started", ct);
        rig.Pool.Lock();
        Assert.True(rig.Pool.IsLocked);

        var refused = await rig.SshAsync("web", "echo should-not-run");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.DoesNotContain("should-not-run", refused.StdoutText, StringComparison.Ordinal);
        Assert.Contains(UpstreamPool.LockedMessage, refused.StderrText, StringComparison.Ordinal);

        // The open session still runs and ends normally.
        Assert.Equal("still-working\n", await ReadRestAsync(open, ct));
        Assert.Equal(0, await open.WaitForExitAsync(PoolRig.ClientTimeout));

        rig.Pool.Unlock();
        var after = await rig.SshAsync("web", "echo unlocked");
        Assert.True(after.ExitCode == 0 && after.StdoutText == "unlocked\n", after.ToString());
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task NameThatIsNotARouteIsToldWhichRoutesExist() => _run.RunAsync(async ct =>
    {
        await using var rig = await PoolRig.StartAsync(_run);
        var sshd = await rig.StartSshdAsync("LogLevel VERBOSE");
        rig.AddRoute("web", rig.Hop(sshd.Port));
        rig.AddRoute("db", rig.Hop(sshd.Port));

        var result = await rig.SshAsync("nosuch", "echo should-not-run");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ssh-mux: \"nosuch\" is not a route; the routes are: db, web.", result.StderrText, StringComparison.Ordinal);
        Assert.Equal(0, rig.Pool.ConnectCount);
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task RemoteLoopbackForwardingNeedsTheRoutesPermission() => _run.RunAsync(async ct =>
    {
        await using var rig = await PoolRig.StartAsync(_run);
        var sshd = await rig.StartSshdAsync("LogLevel VERBOSE", "AllowTcpForwarding yes");
        rig.AddRoute("strict", rig.Hop(sshd.Port));
        rig.AddRoute("vscode", rig.Hop(sshd.Port), allowLoopback: true);
        var target = "127.0.0.1:" + sshd.Port.ToString(CultureInfo.InvariantCulture);

        // ssh -W relays stdin/stdout over a direct-tcpip channel: here to sshd's own port on the upstream's loopback.
        var refused = await rig.SshAsync("strict", null, options: ["-W", target]);
        var allowed = await rig.SshAsync("vscode", null, options: ["-W", target]);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("does not allow forwarding to the remote's loopback", refused.StderrText, StringComparison.Ordinal);
        Assert.StartsWith("SSH-2.0-OpenSSH", allowed.StdoutText, StringComparison.Ordinal);
    });

    private static async Task<string> ReadRestAsync(PipedProcess ssh, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(ssh.Stdout);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
