using SshMux.Interop.Tests.Harness;
using SshMux.Pool;
using SshMux.Ssh.Connection;
using Xunit.Abstractions;

namespace SshMux.Tests.Pool;

/// <summary>
/// How long pooled connections live, with lifetimes of seconds: the idle timeout, the max
/// lifetime (no new channels, closed once drained), and keepalive both ways against a peer
/// that stops answering without closing anything.
/// </summary>
public sealed class PoolLifetimeTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task IdleConnectionIsClosedButOneWithAnAttachedQuietSessionIsNot() => _run.RunAsync(async ct =>
    {
        var options = new PoolRigOptions { Pool = new PoolOptions { IdleTimeout = TimeSpan.FromSeconds(2), ReapInterval = TimeSpan.FromMilliseconds(200) } };
        await using var rig = await PoolRig.StartAsync(_run, options);
        var sshd = await rig.StartSshdAsync("LogLevel VERBOSE");
        rig.AddRoute("web", rig.Hop(sshd.Port));

        // A session that says nothing for longer than the idle timeout keeps its connection: its client is there.
        var quiet = await rig.SshAsync("web", "sleep 4; echo still-here");
        Assert.True(quiet.ExitCode == 0 && quiet.StdoutText == "still-here\n", quiet.ToString());
        Assert.Equal(1, rig.Pool.ConnectCount);

        // With no channel left, the connection goes after the idle timeout.
        var closedAt = System.Diagnostics.Stopwatch.StartNew();
        await PoolRig.WaitForAsync(() => rig.Pool.Snapshot().Count == 0, TimeSpan.FromSeconds(8), "the idle connection to be closed");
        output.WriteLine($"idle connection closed {closedAt.Elapsed.TotalSeconds:0.0} s after its last session (idle timeout 2 s, reaper every 0.2 s)");
        Assert.True(closedAt.Elapsed >= TimeSpan.FromSeconds(1.5), $"closed after only {closedAt.Elapsed.TotalSeconds:0.0} s");
        Assert.True(_run.Logged("no channel activity for 2 s"));

        // The next session opens a new connection.
        var next = await rig.SshAsync("web", "echo again");
        Assert.True(next.ExitCode == 0 && next.StdoutText == "again\n", next.ToString());
        Assert.Equal(2, rig.Pool.ConnectCount);
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task JumpConnectionLivesWhileAConnectionThroughItIsActive() => _run.RunAsync(async ct =>
    {
        var options = new PoolRigOptions { Pool = new PoolOptions { IdleTimeout = TimeSpan.FromSeconds(1.5), ReapInterval = TimeSpan.FromMilliseconds(200) } };
        await using var rig = await PoolRig.StartAsync(_run, options);
        var jump = await rig.StartSshdAsync("AllowTcpForwarding yes");
        var target = await rig.StartSshdAsync("LogLevel VERBOSE");
        rig.AddRoute("behind", rig.Hop(target.Port), [rig.Hop(jump.Port)]);

        // The jump connection carries no channel of its own for longer than the idle timeout,
        // but the target connection through it is busy: neither is closed.
        var result = await rig.SshAsync("behind", "sleep 3; echo done");
        Assert.True(result.ExitCode == 0 && result.StdoutText == "done\n", result.ToString());
        Assert.Equal(2, rig.Pool.ConnectCount);
        Assert.Contains(rig.Pool.Snapshot(), s => s.Upstream.Contains(" -> ", StringComparison.Ordinal));

        // Once idle, the target connection goes first, then the jump connection.
        await PoolRig.WaitForAsync(() => rig.Pool.Snapshot().Count == 0, TimeSpan.FromSeconds(8), "both connections to be closed");
        Assert.Equal(1, PoolRig.Accepted(jump));
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task ExpiredConnectionTakesNoNewChannelsAndClosesOnceDrained() => _run.RunAsync(async ct =>
    {
        var options = new PoolRigOptions { Pool = new PoolOptions { MaxLifetime = TimeSpan.FromSeconds(2), ReapInterval = TimeSpan.FromMilliseconds(200) } };
        await using var rig = await PoolRig.StartAsync(_run, options);
        var sshd = await rig.StartSshdAsync("LogLevel VERBOSE");
        rig.AddRoute("web", rig.Hop(sshd.Port));

        await using var old = rig.StartSsh("web", "echo started; sleep 4; echo old-done");
        await PoolRig.ReadUntilAsync(old, "started", ct);
        await PoolRig.WaitForAsync(() => rig.Pool.Snapshot().Any(s => s.State == "draining"), TimeSpan.FromSeconds(5), "the first connection to expire");

        // A new session past the max lifetime goes to a new connection; the old session keeps running.
        var fresh = await rig.SshAsync("web", "echo fresh");
        Assert.True(fresh.ExitCode == 0 && fresh.StdoutText == "fresh\n", fresh.ToString());
        Assert.Equal(2, rig.Pool.ConnectCount);
        var snapshot = rig.Pool.Snapshot();
        Assert.Contains(snapshot, s => s.State == "draining" && s.Channels == 1);

        using (var reader = new StreamReader(old.Stdout))
        {
            Assert.Equal("old-done\n", await reader.ReadToEndAsync(ct));
        }

        Assert.Equal(0, await old.WaitForExitAsync(PoolRig.ClientTimeout));

        // Drained, the expired connection closes; so does the second, past its own max lifetime by now and idle.
        await PoolRig.WaitForAsync(() => rig.Pool.Snapshot().Count == 0, TimeSpan.FromSeconds(5), "the drained connections to close");
        Assert.True(_run.Logged("drained after its max lifetime"));
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task KeepaliveDetectsAFrozenUpstream() => _run.RunAsync(async ct =>
    {
        var options = new PoolRigOptions { UpstreamKeepalive = new KeepaliveSettings(TimeSpan.FromMilliseconds(500), 3) };
        await using var rig = await PoolRig.StartAsync(_run, options);
        var sshd = await rig.StartSshdAsync("LogLevel VERBOSE");
        var proxy = new FreezableProxy(sshd.Port);
        rig.Own(proxy);
        await rig.TrustPortAsync(sshd, proxy.Port);
        rig.AddRoute("frozen", rig.Hop(proxy.Port));

        // Quiet is not frozen: sshd answers the probes (with failure, which counts) through a session silent for 4 intervals.
        var quiet = await rig.SshAsync("frozen", "sleep 2; echo answered");
        Assert.True(quiet.ExitCode == 0 && quiet.StdoutText == "answered\n", quiet.ToString());
        Assert.Equal(1, rig.Pool.ConnectCount);

        await using var session = rig.StartSsh("frozen", "echo started; sleep 60");
        await PoolRig.ReadUntilAsync(session, "started", ct);
        var frozenAt = System.Diagnostics.Stopwatch.StartNew();
        proxy.Freeze();

        // 3 probes 0.5 s apart go unanswered: the connection is closed, and the client's session with it.
        await PoolRig.WaitForAsync(() => rig.Pool.Snapshot().Count == 0, TimeSpan.FromSeconds(10), "the keepalive to close the frozen upstream");
        output.WriteLine($"frozen upstream detected after {frozenAt.Elapsed.TotalSeconds:0.0} s (keepalive every 0.5 s, 3 misses)");
        Assert.True(_run.Logged("not responding: 3 keepalive(s) sent 0.5 s apart went unanswered"));
        var code = await session.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.NotEqual(0, code);
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task KeepaliveDetectsAFrozenLocalClient() => _run.RunAsync(async ct =>
    {
        var options = new PoolRigOptions { ClientKeepalive = new KeepaliveSettings(TimeSpan.FromMilliseconds(500), 2) };
        await using var rig = await PoolRig.StartAsync(_run, options);
        var sshd = await rig.StartSshdAsync("LogLevel VERBOSE");
        rig.AddRoute("web", rig.Hop(sshd.Port));
        var proxy = new FreezableProxy(rig.Server.Port);
        rig.Own(proxy);

        // A quiet session (the OpenSSH client answers the probes) outlives several intervals.
        var quiet = await rig.SshAsync("web", "sleep 2; echo answered", port: proxy.Port);
        Assert.True(quiet.ExitCode == 0 && quiet.StdoutText == "answered\n", quiet.ToString());

        await using var session = rig.StartSsh("web", "echo started; sleep 60", port: proxy.Port);
        await PoolRig.ReadUntilAsync(session, "started", ct);
        proxy.Freeze();
        await PoolRig.WaitForAsync(() => _run.Logged("not responding: 2 keepalive(s) sent 0.5 s apart went unanswered"), TimeSpan.FromSeconds(10), "the local server to give up on the frozen client");
        Assert.True(_run.Logged("Timeout, client 127.0.0.1:"));
    });
}
