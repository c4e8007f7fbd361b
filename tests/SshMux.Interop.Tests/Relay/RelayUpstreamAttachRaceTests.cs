using System.Globalization;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>
/// sshd sends a global request (hostkeys-00@openssh.com, OpenSSH PROTOCOL section 2.5) right
/// behind USERAUTH_SUCCESS. serve's upstream client must have its connection layer in place
/// by then, or the message meets a router with none ("Unexpected connection message 80: no
/// connection service is running") and the fresh upstream connection is torn down, failing
/// every session waiting for it.
/// </summary>
[Collection(RelayTestGroup.Name)]
public class RelayUpstreamAttachRaceTests(ITestOutputHelper output)
{
    private const int Connections = 12;
    private readonly InteropRun _run = new(output);

    /// <summary>
    /// serve reaches sshd through a proxy that delivers sshd's output in bursts, so the
    /// success and the global request arrive together. Twelve times a session opens a fresh
    /// upstream connection (the previous one is killed at sshd); every one must work, and
    /// serve must never have dropped an upstream connection over a connection message.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task GlobalRequestRightAfterUpstreamAuthenticationIsHandled() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        await rig.Serve.DisposeAsync();
        await using var proxy = new CoalescingProxy(rig.Sshd.Port, TimeSpan.FromMilliseconds(40));

        // serve checks the host key under the name it dials: the proxy's port.
        var hostKey = Convert.ToBase64String(rig.Sshd.HostKeys[0].PublicBlob);
        await File.AppendAllTextAsync(Path.Combine(rig.Serve.SshDirectory, "known_hosts"), $"[127.0.0.1]:{proxy.Port.ToString(CultureInfo.InvariantCulture)} ssh-ed25519 {hostKey}\n");
        await using var serve = await ServeInstance.StartAsync(rig.Serve.Home, $"127.0.0.1:{proxy.Port.ToString(CultureInfo.InvariantCulture)}", RelayRig.User);
        _run.Track(serve.Process);
        await rig.TrustServePortAsync(serve.Port);
        await rig.WarmUpAsync(serve);

        var failures = new List<string>();
        for (var i = 1; i <= Connections; i++)
        {
            var result = await rig.RunClientAsync(Peers.Ssh, rig.SshArguments("echo fresh", logLevel: "INFO", port: serve.Port), serve: serve);
            if (result.ExitCode != 0 || result.StdoutText != "fresh\n")
            {
                failures.Add($"#{i}: {result.ExitCode}: {result.StderrText.Trim()}");
            }

            // The next session finds the upstream dead and opens a new one (once serve has seen it close).
            SshdRestart.KillConnections(rig.Sshd);
            await Task.Delay(500);
        }

        var dropped = serve.Process.Lines.Where(l => l.Contains("no connection service is running", StringComparison.Ordinal)).ToList();
        Assert.True(failures.Count == 0 && dropped.Count == 0, $"{failures.Count} of {Connections} sessions over a fresh upstream failed:\n{string.Join('\n', failures)}\nserve:\n{string.Join('\n', dropped)}");
    }, TimeSpan.FromSeconds(150));
}
