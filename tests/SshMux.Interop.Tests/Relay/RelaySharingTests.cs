using System.Globalization;
using System.Text.RegularExpressions;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>Many local sessions at once share serve's single upstream connection.</summary>
[Collection(RelayTestGroup.Name)]
public partial class RelaySharingTests(ITestOutputHelper output)
{
    private const int Sessions = 50;
    private readonly InteropRun _run = new(output);

    /// <summary>
    /// 50 ssh processes, each a session that waits at a barrier until all 50 have started,
    /// so all are open at the same moment. serve opened the upstream once (its log), sshd
    /// authenticated one connection (its log), and sshd ran all 50 sessions on that one
    /// connection (the client port in its "Starting session" lines). serve gets the key with -i here.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task FiftySimultaneousSessionsShareOneUpstreamConnection() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run, new RelayRigOptions { IdentityOption = true });
        var barrier = rig.Work.File("barrier");
        Directory.CreateDirectory(barrier);
        var count = Sessions.ToString(CultureInfo.InvariantCulture);

        // Each session checks in, then waits (at most 90 s) until every session has; it prints how many it saw.
        var results = await Task.WhenAll(Enumerable.Range(1, Sessions).Select(i => rig.SshAsync(
            $"touch {barrier}/{i}; n=0; while [ $(ls {barrier} | wc -l) -lt {count} ] && [ $n -lt 900 ]; do sleep 0.1; n=$((n+1)); done; echo $(ls {barrier} | wc -l)",
            logLevel: "INFO",
            timeout: TimeSpan.FromSeconds(150))));

        var wrong = results.Select((r, i) => (Result: r, Session: i + 1)).Where(r => r.Result.ExitCode != 0 || r.Result.StdoutText != count + "\n").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {Sessions} sessions did not all meet at the barrier ({string.Join(' ', Directory.EnumerateFiles(barrier).Select(Path.GetFileName).Order())} checked in):\n"
            + string.Join('\n', wrong.Select(w => $"session {w.Session}: {w.Result}")));

        Assert.Equal(1, rig.Serve.UpstreamConnects);
        Assert.Equal(1, rig.SshdAuthentications);
        var sessionPorts = rig.Sshd.Process.Lines
            .Where(l => l.StartsWith("Starting session: command for ", StringComparison.Ordinal))
            .Select(l => SessionPort().Match(l).Groups[1].Value)
            .ToList();
        Assert.Equal(Sessions, sessionPorts.Count);
        Assert.Single(sessionPorts.Distinct());
    }, TimeSpan.FromSeconds(200));

    /// <summary>"Starting session: command for root from 127.0.0.1 port 41234 id 7": the upstream connection's client port.</summary>
    [GeneratedRegex(@" from \S+ port (\d+) id \d+")]
    private static partial Regex SessionPort();
}
