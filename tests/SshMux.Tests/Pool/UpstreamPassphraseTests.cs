using System.Globalization;
using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.Prompts;
using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using SshMux.Trust;
using Xunit.Abstractions;

namespace SshMux.Tests.Pool;

/// <summary>
/// An upstream identity encrypted by ssh-keygen: its passphrase is asked through the prompt
/// broker, naming the route and the host, and a prompt left unanswered fails the connection
/// instead of hanging it.
/// </summary>
public sealed class UpstreamPassphraseTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    private sealed class ScriptedBroker(string? passphrase) : IPromptBroker
    {
        public List<PromptRequest> Requests { get; } = [];

        public Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request);
            }

            return Task.FromResult<IReadOnlyList<byte[]>?>(passphrase is null ? null : [Encoding.UTF8.GetBytes(passphrase)]);
        }
    }

    private async Task<(SshdInstance Sshd, RouteHop Hop, string KnownHosts)> StartAsync(TempDirectory work)
    {
        var keyPath = work.File("id_encrypted");
        await using (var keygen = PeerProcess.Start("ssh-keygen", Peers.Require(Peers.SshKeygen), ["-q", "-t", "ed25519", "-N", "correct horse", "-C", "encrypted", "-f", keyPath]))
        {
            Assert.Equal(0, await keygen.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var publicKey = SshPublicKeyLine.Parse((await File.ReadAllTextAsync(keyPath + ".pub")).Trim()).Key;
        var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], publicKey, "LogLevel VERBOSE"));
        var knownHosts = work.File("known_hosts");
        await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{sshd.Port.ToString(CultureInfo.InvariantCulture)} ssh-ed25519 {Convert.ToBase64String(sshd.HostKeys[0].PublicBlob)}\n");
        var hop = new RouteHop("127.0.0.1", sshd.Port, Environment.UserName, [keyPath], IdentitiesOnly: true, HostKeyPolicy: HostKeyPolicy.Strict);
        return (sshd, hop, knownHosts);
    }

    private UpstreamConnector Connector(string knownHosts, IPromptBroker broker) =>
        new(new KnownHostsTrust([knownHosts], _run.TransportLog("upstream")), broker, _run.TransportLog("upstream"), new UpstreamSettings { Keepalive = KeepaliveSettings.Disabled });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task PassphraseIsAskedThroughTheBrokerWithRouteAndHost() => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-passphrase-");
        var (sshd, hop, knownHosts) = await StartAsync(work);
        await using (sshd)
        {
            var broker = new ScriptedBroker("correct horse");
            await using var connection = await Connector(knownHosts, broker).ConnectAsync("secure", hop, null, ct);

            Assert.True(connection.IsAlive);
            var request = Assert.Single(broker.Requests);
            Assert.Equal(PromptKind.Passphrase, request.Kind);
            Assert.Equal("secure", request.Route);
            Assert.Equal(hop.Display, request.Host);
            Assert.False(Assert.Single(request.Fields).Echo);
            Assert.Equal(1, sshd.Process.Count(l => l.Contains($"Accepted publickey for {Environment.UserName} ", StringComparison.Ordinal)));
        }
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task UnansweredPassphraseFailsTheConnection() => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-passphrase-");
        var (sshd, hop, knownHosts) = await StartAsync(work);
        await using (sshd)
        {
            var broker = new ScriptedBroker(null);
            await Assert.ThrowsAnyAsync<SshException>(() => Connector(knownHosts, broker).ConnectAsync("secure", hop, null, ct));
            Assert.Single(broker.Requests);
            Assert.True(_run.Logged("no passphrase was given"));
        }
    });
}
