using System.Globalization;
using System.Net.Sockets;
using SshMux.Interop.Tests.Harness;
using SshMux.Prompts;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Trust;

namespace SshMux.Tests.Trust;

/// <summary>
/// Keys made by ssh-keygen in one temp directory (a CA, a host key and its certificate signed
/// with "ssh-keygen -s CA -h"), an sshd that presents them, and HostKeyTrust connecting to it
/// the way the pool does: host key algorithms from PreferredHostKeyAlgorithms, then the verifier.
/// </summary>
internal sealed class SshdTrustRig(InteropRun run) : IDisposable
{
    public TempDirectory Work { get; } = new("sshmux-trust-sshd-");

    public string KnownHosts => Work.File("known_hosts");

    public static string User => Environment.UserName;

    public void Dispose() => Work.Dispose();

    /// <summary>Runs ssh-keygen; a failure fails the test with its output.</summary>
    public static async Task<(int Code, string Output)> KeygenAsync(params string[] arguments)
    {
        await using var process = PeerProcess.Start("ssh-keygen", Peers.Require(Peers.SshKeygen), arguments);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, process.Output);
    }

    /// <summary>A new key pair NAME / NAME.pub; returns the public key.</summary>
    public async Task<SshPublicKey> GenerateAsync(string name, string type = "ed25519", string bits = "256")
    {
        var path = Work.File(name);
        var (code, output) = await KeygenAsync("-q", "-t", type, "-b", bits, "-N", string.Empty, "-C", name, "-f", path);
        Assert.True(code == 0, output);
        return SshPublicKeyLine.Parse(await File.ReadAllTextAsync(path + ".pub")).Key;
    }

    /// <summary>ssh-keygen -s CA -h -I host [arguments] HOSTKEY.pub; returns the certificate's path.</summary>
    public async Task<string> SignHostKeyAsync(string ca, string hostKey, params string[] arguments)
    {
        var (code, output) = await KeygenAsync(["-q", "-s", Work.File(ca), "-h", "-I", "sshmux-test-host", .. arguments, Work.File(hostKey) + ".pub"]);
        Assert.True(code == 0, output);
        return Work.File(hostKey) + "-cert.pub";
    }

    /// <summary>sshd with HOSTKEY (and its certificate when given) as its only host key, letting <paramref name="user"/> in.</summary>
    public async Task<SshdInstance> StartSshdAsync(string hostKey, string? certificate, UserKey? user = null)
    {
        List<string> lines = ["HostKey " + Work.File(hostKey)];
        if (certificate is not null)
        {
            lines.Add("HostCertificate " + certificate);
        }

        return run.Track(await SshdInstance.StartAsync([], user?.PublicKey, [.. lines]));
    }

    public static string Name(SshdInstance sshd) => $"[127.0.0.1]:{sshd.Port.ToString(CultureInfo.InvariantCulture)}";

    public HostKeyTrust Trust(IPromptBroker? prompts, bool hash = false, string? knownHosts = null) =>
        new(new HostKeyTrustOptions { UserKnownHostsFile = knownHosts ?? KnownHosts, KnownHostsFiles = [knownHosts ?? KnownHosts], HashKnownHosts = hash }, prompts, run.TransportLog("trust"));

    /// <summary>
    /// Connects to sshd through <paramref name="trust"/>; with <paramref name="user"/>, also signs
    /// in (publickey-hostbound binds to the host certificate when there is one). Null when refused.
    /// </summary>
    public Task<Connected?> ConnectAsync(SshdInstance sshd, HostKeyTrust trust, HostKeyPolicy policy, CancellationToken ct, UserKey? user = null) =>
        ConnectAsync(sshd, trust, new RouteHop("127.0.0.1", sshd.Port, User, [], HostKeyPolicy: policy), ct, user);

    /// <summary>The same through a hop built elsewhere (a route from ssh_config), which must lead to this sshd.</summary>
    public async Task<Connected?> ConnectAsync(SshdInstance sshd, HostKeyTrust trust, RouteHop hop, CancellationToken ct, UserKey? user = null)
    {
        HostKeyVerification? seen = null;
        var options = new SshClientOptions
        {
            Log = run.TransportLog("client"),
            HostKeyAlgorithms = trust.PreferredHostKeyAlgorithms(hop) ?? AlgorithmRegistry.DefaultHostKeyAlgorithms,
            HostKeyVerifier = (v, c) =>
            {
                seen = v;
                return trust.VerifyAsync(new HostKeyCheck("web", hop, v), c);
            },
        };
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", sshd.Port, ct);
        SshTransport transport;
        try
        {
            transport = await SshTransport.ConnectAsync(tcp.GetStream(), options, ct);
        }
        catch (SshException e) when (e.Reason == DisconnectReason.HostKeyNotVerifiable)
        {
            run.Note("refused: " + e.Message);
            tcp.Dispose();
            return null;
        }

        if (user is not null)
        {
            var router = new SshServiceRouter(transport);
            _ = new SshConnectionService(router);
            using var file = PrivateKeyFile.Load(user.PrivateKeyPath);
            using var identity = new PrivateKeyIdentity(file.Key, user.PrivateKeyPath);
            await SshClientAuthentication.AuthenticateAsync(router, User, new ClientAuthOptions { Identities = [identity], Log = run.TransportLog("auth") }, ct);
        }

        return new Connected(transport, seen!, tcp);
    }

    internal sealed class Connected(SshTransport transport, HostKeyVerification verification, TcpClient tcp) : IAsyncDisposable
    {
        public SshTransport Transport { get; } = transport;

        public HostKeyVerification Verification { get; } = verification;

        public async ValueTask DisposeAsync()
        {
            await Transport.DisposeAsync();
            tcp.Dispose();
        }
    }
}
