using SshMux.Interop.Tests.Harness;
using SshMux.Pool;
using Xunit.Abstractions;

namespace SshMux.Tests.Pool;

/// <summary>A jump connection is in use from the moment a connection through it starts opening, not only once it is open.</summary>
public sealed class JumpReapTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task JumpConnectionIsNotReapedWhileATargetConnectionThroughItIsStillConnecting() => _run.RunAsync(async ct =>
    {
        var options = new PoolRigOptions { Pool = new PoolOptions { IdleTimeout = TimeSpan.FromSeconds(1), ReapInterval = TimeSpan.FromMilliseconds(100) } };
        await using var rig = await PoolRig.StartAsync(_run, options);
        var jump = await rig.StartSshdAsync("AllowTcpForwarding yes");
        var target = await rig.StartSshdAsync();

        // The target answers only 3 s after the jump host has connected to it: three idle timeouts.
        var slow = new SlowStartProxy(target.Port, TimeSpan.FromSeconds(3));
        rig.Own(slow);
        await rig.TrustPortAsync(target, slow.Port);
        rig.AddRoute("behind", rig.Hop(slow.Port), [rig.Hop(jump.Port)]);

        var result = await rig.SshAsync("behind", "echo through");

        Assert.True(result.ExitCode == 0 && result.StdoutText == "through\n", result.ToString());
        Assert.Equal(2, rig.Pool.ConnectCount);
        Assert.False(_run.Logged($"Closing upstream {PoolRig.User}@127.0.0.1:{jump.Port}: "), "the jump connection was reaped while in use");
    });
}
