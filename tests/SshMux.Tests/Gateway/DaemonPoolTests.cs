using System.Diagnostics;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Tests.Gateway;

/// <summary>The daemon's pool against real sshds: MaxSessions overflow into more connections, and a short maximum lifetime.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DaemonPoolTests(ITestOutputHelper output)
{
    private static int Accepted(SshdInstance sshd) => sshd.Process.Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal));

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public async Task TenSimultaneousSessionsOnAnUpstreamWithMaxSessionsTwoAllSucceed()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            using var home = await GatewayHome.CreateAsync();
            await using var sshd = run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], home.Key.PublicKey, "MaxSessions 2"));
            await home.TrustAsync(sshd);
            await home.WriteRoutesAsync(GatewayHome.Route("narrow", sshd.Port));
            await using var daemon = run.Track(await DaemonInstance.StartAsync(home));

            // Each session holds its channel for a moment so that all ten overlap.
            var sessions = await Task.WhenAll(Enumerable.Range(1, 10).Select(i => home.SshAsync(daemon.Port, "narrow", $"sleep 1; echo session-{i}")));
            for (var i = 0; i < sessions.Length; i++)
            {
                Assert.True(sessions[i].ExitCode == 0, $"session {i + 1}: {sessions[i]}\n{daemon.Process.Tail()}");
                Assert.Equal($"session-{i + 1}\n", sessions[i].StdoutText);
            }

            // Two sessions per connection at most: at least five connections, and not one per session.
            var connections = (await daemon.EntriesAsync("narrow")).Count;
            Assert.InRange(connections, 5, 9);
            Assert.Equal(connections, Accepted(sshd));
        });
    }

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public async Task AConnectionPastItsMaxLifetimeTakesNoNewSessionAndCloses()
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            using var home = await GatewayHome.CreateAsync();
            await using var sshd = await home.StartSshdAsync(run);
            await home.WriteRoutesAsync(GatewayHome.Route("short", sshd.Port));
            await using var daemon = run.Track(await DaemonInstance.StartAsync(home, "--max-lifetime", "2"));

            var first = await home.SshAsync(daemon.Port, "short", "echo one");
            Assert.True(first.ExitCode == 0, first.ToString());
            var age = Stopwatch.StartNew();
            Assert.Equal(1, Accepted(sshd));

            // Past its lifetime the first connection is closed (sshd sees it go) and the next session gets a new one.
            await sshd.Process.WaitForLineAsync(l => l.Contains("Connection closed by 127.0.0.1", StringComparison.Ordinal) || l.Contains("Received disconnect from 127.0.0.1", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "the expired connection closing");
            Assert.True(age.Elapsed >= TimeSpan.FromSeconds(1), $"closed after {age.Elapsed.TotalSeconds:0.0} s");
            var second = await home.SshAsync(daemon.Port, "short", "echo two");
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal("two\n", second.StdoutText);
            Assert.Equal(2, Accepted(sshd));
        });
    }
}
