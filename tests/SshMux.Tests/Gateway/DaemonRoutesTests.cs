using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Tests.Gateway;

/// <summary>
/// `ssh-mux daemon` as a user runs it, with real sshd upstreams and the real ssh client:
/// routes from the routes file (through the jump host, direct, ProxyCommand `ssh -W` and
/// socat), routes from ~/.ssh/config, an unknown route name, and a broken routes file.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DaemonRoutesTests(ITestOutputHelper output)
{
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen, "socat")]
    public async Task EveryKindOfRouteWorksAndTheSecondSessionReusesItsUpstream()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            var socat = Peers.Require("socat");
            using var home = await GatewayHome.CreateAsync();
            await using var jump = await home.StartSshdAsync(run);
            await using var target = await home.StartSshdAsync(run);
            await home.WriteRoutesAsync(
                $"[jump]\nhost = \"127.0.0.1\"\nport = {GatewayHome.Port(jump.Port)}\nuser = \"{GatewayHome.UpstreamUser}\"\n"
                + GatewayHome.Route("viajump", target.Port)
                + GatewayHome.Route("straight", target.Port, "direct = true")
                + GatewayHome.Route("dashw", target.Port, $"proxy_command = \"{home.SshDashW(jump.Port)}\"")
                + GatewayHome.Route("socat", target.Port, $"proxy_command = \"{socat} - TCP:%h:%p\""));
            await using var daemon = run.Track(await DaemonInstance.StartAsync(home));
            string[] routes = ["viajump", "straight", "dashw", "socat"];

            for (var round = 1; round <= 2; round++)
            {
                var sessions = await Task.WhenAll(routes.Select(r => home.SshAsync(daemon.Port, r, $"echo {r}-{round}")));
                for (var i = 0; i < routes.Length; i++)
                {
                    Assert.True(sessions[i].ExitCode == 0, $"{routes[i]} round {round}: {sessions[i]}\n{daemon.Process.Tail()}");
                    Assert.Equal($"{routes[i]}-{round}\n", sessions[i].StdoutText);
                }
            }

            // One pooled connection to the target per route after two sessions each: the
            // second reused it. The jump route also lists the jump connection it rides on.
            var user = GatewayHome.UpstreamUser;
            var targetName = $"{user}@127.0.0.1:{GatewayHome.Port(target.Port)}";
            var jumpName = $"{user}@127.0.0.1:{GatewayHome.Port(jump.Port)}";
            foreach (var route in routes)
            {
                var entries = await daemon.EntriesAsync(route);
                var entry = Assert.Single(entries, e => e.GetProperty("upstream").GetString()!.Contains(targetName, StringComparison.Ordinal));
                var expected = route switch
                {
                    "viajump" => $"{jumpName} -> {targetName}",
                    "straight" => targetName,
                    _ => $"{targetName} (ProxyCommand)",
                };
                Assert.Equal(expected, entry.GetProperty("upstream").GetString());
                Assert.Contains(entry.GetProperty("state").GetString(), new[] { "active", "idle" });
                Assert.True(entry.GetProperty("bytes_in").GetInt64() >= 2 * $"{route}-1\n".Length, entry.ToString());
                Assert.True(entry.GetProperty("age_seconds").GetDouble() >= entry.GetProperty("idle_seconds").GetDouble(), entry.ToString());
                Assert.Equal(route == "viajump" ? 2 : 1, entries.Count);
            }

            var jumpEntry = Assert.Single(await daemon.EntriesAsync("viajump"), e => e.GetProperty("upstream").GetString() == jumpName);
            Assert.Equal(1, jumpEntry.GetProperty("channels").GetInt32());

            // The target saw exactly four authentications: one per route, none per session.
            Assert.Equal(4, target.Process.Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal)));
        });
    }

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public async Task ALoginNameThatIsNotARouteIsRefusedWithTheRoutesListed()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            using var home = await GatewayHome.CreateAsync();
            await home.WriteRoutesAsync(GatewayHome.Route("alpha", 1) + GatewayHome.Route("beta", 2, "direct = true"));
            await using var daemon = run.Track(await DaemonInstance.StartAsync(home));

            var refused = await home.SshAsync(daemon.Port, "gamma", "echo never");
            output.WriteLine("client stderr: " + refused.StderrText);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Empty(refused.StdoutText);
            Assert.Contains("\"gamma\" is not a route", refused.StderrText, StringComparison.Ordinal);
            Assert.Contains("alpha", refused.StderrText, StringComparison.Ordinal);
            Assert.Contains("beta", refused.StderrText, StringComparison.Ordinal);
        });
    }

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen, "socat")]
    public async Task HostAliasesOfSshConfigAreRoutesThroughProxyCommandAndProxyJump()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            var socat = Peers.Require("socat");
            using var home = await GatewayHome.CreateAsync();
            await using var jump = await home.StartSshdAsync(run);
            await using var target = await home.StartSshdAsync(run);
            var user = GatewayHome.UpstreamUser;
            var port = GatewayHome.Port(target.Port);
            await File.WriteAllTextAsync(home.SshConfig,
                $"Host viaproxy\n    HostName 127.0.0.1\n    Port {port}\n    User {user}\n    ProxyCommand {socat} - TCP:%h:%p\n\n"
                + $"Host viajump\n    HostName 127.0.0.1\n    Port {port}\n    User {user}\n    ProxyJump {user}@127.0.0.1:{GatewayHome.Port(jump.Port)}\n");
            await using var daemon = run.Track(await DaemonInstance.StartAsync(home));

            foreach (var route in new[] { "viaproxy", "viajump" })
            {
                var session = await home.SshAsync(daemon.Port, route, "echo from-config");
                Assert.True(session.ExitCode == 0, $"{route}: {session}\n{daemon.Process.Tail()}");
                Assert.Equal("from-config\n", session.StdoutText);
            }

            // The jump sshd carried the ProxyJump route's connection (and only that one).
            Assert.Equal(1, jump.Process.Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal)));
            Assert.Equal(2, target.Process.Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal)));
        });
    }

    /// <summary>The failure of seed 002: a proxy command that dies at once must say why, not "Premature close".</summary>
    [PeerFact(Peers.Ssh, Peers.SshKeygen)]
    public async Task AProxyCommandThatExitsAtOnceReachesTheClientWithItsStderrAndStatus()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            using var home = await GatewayHome.CreateAsync();
            // ssh-mux runs "exec COMMAND" with /bin/sh as ssh does, so the status is the inner shell's.
            await home.WriteRoutesAsync(GatewayHome.Route("broken", 22, "proxy_command = \"sh -c 'echo bastion: no route to %h >&2; exit 7'\""));
            await using var daemon = run.Track(await DaemonInstance.StartAsync(home));

            var refused = await home.SshAsync(daemon.Port, "broken", "echo never");
            output.WriteLine("client stderr: " + refused.StderrText);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Empty(refused.StdoutText);
            Assert.Contains("ssh-mux could not reach broken", refused.StderrText, StringComparison.Ordinal);
            Assert.Contains("bastion: no route to 127.0.0.1", refused.StderrText, StringComparison.Ordinal);
            Assert.Contains("exited with status 7", refused.StderrText, StringComparison.Ordinal);
        });
    }

    [PeerFact(Peers.SshKeygen)]
    public async Task ARoutesFileWithAnErrorStopsTheDaemonAtStartWithFileAndLine()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            using var home = await GatewayHome.CreateAsync();
            await home.WriteRoutesAsync(GatewayHome.Route("good", 22) + "\n[routes.bad]\nhost = \"127.0.0.1\"\nuser = \"x\"\nprot = 22\n");
            await using var daemon = run.Track(DaemonInstance.Launch(home, "daemon", ["-p", "0"]));

            var code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, code);
            Assert.Contains($"{home.RoutesFile}:10", daemon.Output, StringComparison.Ordinal);
            Assert.Contains("prot", daemon.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(home.ControlSocket), "a daemon that failed to start left its control socket");
        });
    }
}
