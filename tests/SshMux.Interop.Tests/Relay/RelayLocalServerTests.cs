using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>What serve's local server lets in: keys in ssh-mux-authorized-keys only, and no NIST key exchange.</summary>
[Collection(RelayTestGroup.Name)]
public class RelayLocalServerTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>A key that is not in ssh-mux-authorized-keys is refused, and nothing is opened upstream.</summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task UnlistedClientKeyIsDenied() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        var stranger = await UserKey.GenerateAsync(rig.Work.File("stranger_ed25519"));

        var result = await rig.RunClientAsync(Peers.Ssh, rig.SshArguments("echo let-in", identity: stranger.PrivateKeyPath));

        Assert.Equal(255, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("Permission denied (publickey).", result.StderrText, StringComparison.Ordinal);
        Assert.Equal(0, rig.Serve.UpstreamConnects);
        Assert.Equal(0, rig.SshdAuthentications);
    });

    /// <summary>
    /// A client that will only use passwords or keyboard-interactive is told publickey is the
    /// one method that can continue, every time it asks.
    /// </summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task PasswordAuthenticationIsNotOffered() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        string[] passwordOnly = ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive"];

        var result = await rig.SshAsync("echo let-in", passwordOnly, logLevel: "DEBUG1");

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Permission denied (publickey).", result.StderrText, StringComparison.Ordinal);
        var offers = result.StderrText.Split('\n').Where(l => l.Contains("Authentications that can continue:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(offers);
        Assert.All(offers, l => Assert.EndsWith("Authentications that can continue: publickey", l.TrimEnd('\r'), StringComparison.Ordinal));
    });

    /// <summary>The local server's hardened defaults leave out NIST-curve key exchange: ssh offering only ecdh-sha2-nistp256 cannot negotiate.</summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen)]
    public Task NistKeyExchangeIsRefused() => _run.RunAsync(async _ =>
    {
        await using var rig = await RelayRig.StartAsync(_run);

        var result = await rig.SshAsync("echo let-in", ["-o", "KexAlgorithms=ecdh-sha2-nistp256"], logLevel: "INFO");

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("no matching key exchange method found", result.StderrText, StringComparison.Ordinal);
        Assert.Contains("Their offer:", result.StderrText, StringComparison.Ordinal);
        Assert.DoesNotContain("ecdh-sha2-nistp", result.StderrText[result.StderrText.IndexOf("Their offer:", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Equal(0, rig.Serve.UpstreamConnects);
    });
}
