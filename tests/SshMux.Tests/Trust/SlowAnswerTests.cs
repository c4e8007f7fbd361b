using SshMux.Interop.Tests.Harness;
using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh.Connection;
using Xunit.Abstractions;

namespace SshMux.Tests.Trust;

/// <summary>
/// Time a person takes to answer is not counted against the upstream connect timeout: with a
/// one-second connect timeout, a host key confirmed after 2.5 s still connects and signs in
/// (against a real sshd). ConnectTimeoutTests checks that a silent server still times out.
/// </summary>
public sealed class SlowAnswerTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task AHostKeyConfirmedAfterTheConnectTimeoutStillConnects() => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        await rig.GenerateAsync("host");
        var user = await UserKey.GenerateAsync(rig.Work.File("id_ed25519"));
        await using var sshd = await rig.StartSshdAsync("host", null, user);
        var broker = new ScriptedPromptBroker(async _ =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2.5), ct);
            return "yes";
        });
        var connector = new UpstreamConnector(rig.Trust(broker), broker, _run.TransportLog("upstream"), new UpstreamSettings
        {
            Keepalive = KeepaliveSettings.Disabled,
            ConnectTimeout = TimeSpan.FromSeconds(1),
            PromptTimeout = TimeSpan.FromSeconds(10),
        });
        var hop = new RouteHop("127.0.0.1", sshd.Port, SshdTrustRig.User, [user.PrivateKeyPath], IdentitiesOnly: true, HostKeyPolicy: HostKeyPolicy.Ask);

        await using var connection = await connector.ConnectAsync("slow", hop, null, ct);

        Assert.Single(broker.Requests);
        Assert.False(connection.Transport.IsClosed);
        Assert.Contains("127.0.0.1", await File.ReadAllTextAsync(rig.KnownHosts, ct), StringComparison.Ordinal);
    });
}
