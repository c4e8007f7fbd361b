using System.Globalization;
using SshMux.Interop.Tests.Harness;
using SshMux.Paths;
using SshMux.Routing;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using SshMux.Trust;
using Xunit.Abstractions;

namespace SshMux.Tests.Trust;

/// <summary>
/// Routes from ~/.ssh/config keep ssh's UserKnownHostsFile, against a real sshd: the trust
/// decisions ssh would make for the same Host block, with the user's default known_hosts
/// left alone.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SshConfigKnownHostsSshdTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    private static (RouteHop Hop, HostKeyTrust Trust) Route(SshdTrustRig rig, InteropRun run, string config, string alias)
    {
        var home = rig.Work.File("home");
        var directory = new SshDirectory(Path.Combine(home, ".ssh"));
        Directory.CreateDirectory(directory.Path);
        File.WriteAllText(directory.File("config"), config);
        File.SetUnixFileMode(directory.File("config"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var routes = SshConfigRoutes.Load(directory, new SshTokenContext(home, SshdTrustRig.User, "box.lan", "1000"), systemConfig: null);
        var trust = new HostKeyTrust(HostKeyTrustOptions.ForUser(directory), prompts: null, run.TransportLog("trust"));
        return (routes.Resolve(alias).Target, trust);
    }

    private static string Port(SshdInstance sshd) => sshd.Port.ToString(CultureInfo.InvariantCulture);

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task AWrongKeyInTheHostsOwnKnownHostsFileIsRefusedAsChanged() => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        await rig.GenerateAsync("host");
        var wrong = await rig.GenerateAsync("wrong");
        await using var sshd = await rig.StartSshdAsync("host", null);
        var own = rig.Work.File("route_known_hosts");
        var content = $"[127.0.0.1]:{Port(sshd)} {SshPublicKeyLine.Format(wrong, null)}\n";
        await File.WriteAllTextAsync(own, content, ct);
        var (hop, trust) = Route(rig, _run, $"Host web\n  HostName 127.0.0.1\n  Port {Port(sshd)}\n  StrictHostKeyChecking accept-new\n  UserKnownHostsFile {own}\n", "web");

        await using var connected = await rig.ConnectAsync(sshd, trust, hop, ct);

        Assert.Null(connected);
        Assert.True(_run.Logged("HAS CHANGED"));
        Assert.Equal(content, await File.ReadAllTextAsync(own, ct));
        Assert.False(File.Exists(rig.Work.File("home/.ssh/known_hosts")));
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task ACoderStyleBlockConnectsEachTimeAndRemembersNothing() => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        await rig.GenerateAsync("host");
        await using var sshd = await rig.StartSshdAsync("host", null);
        var (hop, trust) = Route(rig, _run,
            $"Host coder.*\n\tConnectTimeout=0\n\tStrictHostKeyChecking=no\n\tUserKnownHostsFile=/dev/null\n\tLogLevel ERROR\n\tHostName 127.0.0.1\n\tPort {Port(sshd)}\n",
            "coder.workspace");

        for (var i = 0; i < 2; i++)
        {
            await using var connected = await rig.ConnectAsync(sshd, trust, hop, ct);
            Assert.NotNull(connected);
        }

        Assert.True(_run.Logged("not pinned: UserKnownHostsFile is /dev/null"));
        Assert.True(HopKnownHostsTests.DevNullIsADevice());
        Assert.False(File.Exists(rig.Work.File("home/.ssh/known_hosts")));
    });
}
