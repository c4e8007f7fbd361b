using System.Diagnostics;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Tests.Gateway;

/// <summary>
/// An upstream whose host key is not in known_hosts, with the default
/// strict_host_key_checking = "ask": the person answers through `ssh-mux prompt`, and with
/// nobody to ask the connection is refused (fail closed).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DaemonTrustTests(ITestOutputHelper output)
{
    private const int PromptTimeoutSeconds = 5;

    private async Task WithUnknownHostAsync(Func<GatewayHome, SshdInstance, DaemonInstance, Task> body)
    {
        var run = new InteropRun(output);
        await run.RunAsync(async _ =>
        {
            using var home = await GatewayHome.CreateAsync();
            await using var sshd = await home.StartSshdAsync(run, trusted: false);
            await home.WriteRoutesAsync(GatewayHome.Route("fresh", sshd.Port));
            await using var daemon = run.Track(await DaemonInstance.StartAsync(home, "--prompt-timeout", PromptTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await body(home, sshd, daemon);
        });
    }

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task AnsweringYesConnectsAndPinsTheKey() => WithUnknownHostAsync(async (home, sshd, daemon) =>
    {
        await using var prompt = await daemon.AttachPromptAsync();
        var session = home.SshAsync(daemon.Port, "fresh", "echo trusted");
        await prompt.WaitForAsync("unknown host key for route fresh");
        await prompt.WaitForAsync(Fingerprints.Sha256(sshd.HostKeys[0].PublicBlob));
        await prompt.AnswerAsync("yes");

        var result = await session;
        Assert.True(result.ExitCode == 0, $"{result}\n{prompt.Output}\n{daemon.Process.Tail()}");
        Assert.Equal("trusted\n", result.StdoutText);
        Assert.True(await home.IsPinnedAsync(sshd.Port), "the accepted key is not in known_hosts");
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task AnsweringNoRefusesAndPinsNothing() => WithUnknownHostAsync(async (home, sshd, daemon) =>
    {
        await using var prompt = await daemon.AttachPromptAsync();
        var session = home.SshAsync(daemon.Port, "fresh", "echo never");
        await prompt.WaitForAsync("unknown host key for route fresh");
        await prompt.AnswerAsync("no");

        var result = await session;
        output.WriteLine("client stderr: " + result.StderrText);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Empty(result.StdoutText);
        Assert.Contains($"ssh-mux could not reach fresh: The host key of [127.0.0.1]:{GatewayHome.Port(sshd.Port)} (ssh-ed25519 {Fingerprints.Sha256(sshd.HostKeys[0].PublicBlob)}) is not known and it was declined", result.StderrText, StringComparison.Ordinal);
        Assert.False(await home.IsPinnedAsync(sshd.Port), "a refused key was pinned");
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task WithNoPromptAttachedTheConnectionIsRefusedWithinThePromptTimeout() => WithUnknownHostAsync(async (home, sshd, daemon) =>
    {
        var clock = Stopwatch.StartNew();
        var result = await home.SshAsync(daemon.Port, "fresh", "echo never");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(PromptTimeoutSeconds), $"refused only after {clock.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine("client stderr: " + result.StderrText);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Empty(result.StdoutText);
        Assert.Contains($"ssh-mux could not reach fresh: The host key of [127.0.0.1]:{GatewayHome.Port(sshd.Port)} (ssh-ed25519 {Fingerprints.Sha256(sshd.HostKeys[0].PublicBlob)}) is not known and it was not confirmed", result.StderrText, StringComparison.Ordinal);
        Assert.False(await home.IsPinnedAsync(sshd.Port), "a key nobody accepted was pinned");
    });

    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task AnUnansweredPromptIsWithdrawnAtThePromptTimeoutAndTheClientRefused() => WithUnknownHostAsync(async (home, sshd, daemon) =>
    {
        await using var prompt = await daemon.AttachPromptAsync();
        var clock = Stopwatch.StartNew();
        var session = home.SshAsync(daemon.Port, "fresh", "echo never");
        await prompt.WaitForAsync("unknown host key for route fresh");

        var result = await session;
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(PromptTimeoutSeconds - 1), TimeSpan.FromSeconds(PromptTimeoutSeconds + 5));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("is not known and it was not confirmed", result.StderrText, StringComparison.Ordinal);
        await prompt.WaitForAsync("the daemon withdrew this prompt");
        Assert.False(await home.IsPinnedAsync(sshd.Port), "a key nobody accepted was pinned");
    });
}
