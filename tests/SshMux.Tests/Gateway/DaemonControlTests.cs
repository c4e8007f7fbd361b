using System.Diagnostics;
using System.Text;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Tests.Gateway;

/// <summary>`ssh-mux lock`, `unlock` and `stop` against a running daemon, and `serve` in routed mode with a short idle timeout.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DaemonControlTests(ITestOutputHelper output)
{
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public async Task LockRefusesNewSessionsKeepsOpenOnesAndStopEndsTheDaemon()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            using var home = await GatewayHome.CreateAsync();
            await using var sshd = await home.StartSshdAsync(run);
            await home.WriteRoutesAsync(GatewayHome.Route("box", sshd.Port));
            await using var daemon = run.Track(await DaemonInstance.StartAsync(home));

            // A session that stays open until the test writes a line to it.
            await using var open = home.StartSsh(daemon.Port, "box", "echo ready; read line; echo got:$line");
            using var reader = new StreamReader(open.Stdout, Encoding.UTF8);
            Assert.Equal("ready", await reader.ReadLineAsync().WaitAsync(GatewayHome.ClientTimeout));

            var table = await daemon.RunAsync("status");
            Assert.True(table.ExitCode == 0, table.Output);
            Assert.Contains("box", table.Output, StringComparison.Ordinal);
            Assert.Contains($"127.0.0.1:{GatewayHome.Port(sshd.Port)}", table.Output, StringComparison.Ordinal);

            Assert.Equal(0, (await daemon.RunAsync("lock")).ExitCode);
            var refused = await home.SshAsync(daemon.Port, "box", "echo never");
            output.WriteLine("client stderr: " + refused.StderrText);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Empty(refused.StdoutText);
            Assert.Contains("ssh-mux is locked", refused.StderrText, StringComparison.Ordinal);

            // The session opened before the lock still carries data both ways.
            await open.Stdin.WriteAsync("still-here\n"u8.ToArray());
            await open.Stdin.FlushAsync();
            Assert.Equal("got:still-here", await reader.ReadLineAsync().WaitAsync(GatewayHome.ClientTimeout));
            open.Stdin.Close();
            Assert.Equal(0, await open.WaitForExitAsync(GatewayHome.ClientTimeout));

            Assert.Equal(0, (await daemon.RunAsync("unlock")).ExitCode);
            var after = await home.SshAsync(daemon.Port, "box", "echo unlocked");
            Assert.True(after.ExitCode == 0, after.ToString());
            Assert.Equal("unlocked\n", after.StdoutText);

            // Stop with a session still open: the daemon exits, and the session ends instead of hanging.
            await using var lingering = home.StartSsh(daemon.Port, "box", "echo ready; sleep 60");
            using var lingeringOutput = new StreamReader(lingering.Stdout, Encoding.UTF8);
            Assert.Equal("ready", await lingeringOutput.ReadLineAsync().WaitAsync(GatewayHome.ClientTimeout));
            Assert.True(File.Exists(home.ControlSocket));
            Assert.Equal(0, (await daemon.RunAsync("stop")).ExitCode);
            Assert.Equal(0, await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(20)));
            Assert.NotEqual(0, await lingering.WaitForExitAsync(TimeSpan.FromSeconds(20)));
            Assert.False(File.Exists(home.ControlSocket), "the daemon left its control socket behind");
            var status = await daemon.RunAsync("status");
            Assert.Equal(1, status.ExitCode);
        });
    }

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public async Task ServeInRoutedModeRelaysARouteAndClosesItsIdleUpstream()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            using var home = await GatewayHome.CreateAsync();
            await using var sshd = await home.StartSshdAsync(run);
            var routes = home.File("routes.toml");
            await File.WriteAllTextAsync(routes, GatewayHome.Route("box", sshd.Port));
            await using var serve = run.Track(await DaemonInstance.StartAsync(home, "serve", ["--config", routes, "--timeout", "2"]));

            var session = await home.SshAsync(serve.Port, "box", "echo routed");
            Assert.True(session.ExitCode == 0, session.ToString());
            Assert.Equal("routed\n", session.StdoutText);
            var idleSince = Stopwatch.StartNew();

            // sshd logs the pooled connection going away once serve closes it for idleness.
            static bool Closed(string l) => l.Contains("Received disconnect from 127.0.0.1", StringComparison.Ordinal)
                || l.Contains("Connection closed by 127.0.0.1", StringComparison.Ordinal);
            await sshd.Process.WaitForLineAsync(Closed, TimeSpan.FromSeconds(20), "the idle upstream closing");
            Assert.True(idleSince.Elapsed >= TimeSpan.FromSeconds(1.5), $"closed after only {idleSince.Elapsed.TotalSeconds:0.0} s idle");
            Assert.False(serve.Process.HasExited);
        });
    }
}
