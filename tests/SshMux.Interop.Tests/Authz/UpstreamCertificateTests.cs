using System.Globalization;
using SshMux.Interop.Tests.Harness;
using SshMux.Relay;
using SshMux.Ssh;
using SshMux.Trust;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Authz;

/// <summary>
/// ssh-mux's upstream client (the connector serve uses) against a real sshd that trusts a
/// user CA (TrustedUserCAKeys) and has no authorized_keys: the key given with -i is accepted
/// only through the KEY-cert.pub beside it, as with ssh.
/// </summary>
public class UpstreamCertificateTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    private static string User => Environment.UserName;

    private async Task<(SshdInstance Sshd, string KnownHosts)> StartSshdAsync(TempDirectory work, AuthzKey ca)
    {
        var sshd = _run.Track(await SshdInstance.StartAsync(["ssh-ed25519"], (SshMux.Ssh.Keys.SshPublicKey?)null,
            "LogLevel VERBOSE", "PubkeyAuthentication yes", "TrustedUserCAKeys " + ca.PrivateKeyPath + ".pub", "PermitRootLogin prohibit-password"));
        var knownHosts = work.File("known_hosts");
        await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{sshd.Port.ToString(CultureInfo.InvariantCulture)} ssh-ed25519 {Convert.ToBase64String(sshd.HostKeys[0].PublicBlob)}\n");
        return (sshd, knownHosts);
    }

    private UpstreamConnector Connector(SshdInstance sshd, string knownHosts, AuthzKey key) =>
        new(new UpstreamTarget("127.0.0.1", sshd.Port, User, [key.PrivateKeyPath]), new KnownHostsTrust([knownHosts], _run.TransportLog("upstream")), _run.TransportLog("upstream"));

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task KeyWithItsCertificateSignsIn() => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-upcert-");
        var ca = await AuthzKeygen.GenerateAsync(work.File("ca"));
        var key = await AuthzKeygen.GenerateAsync(work.File("id_ed25519"));
        var certificate = await AuthzKeygen.SignAsync(ca, key, "upstream-cert", User);
        var (sshd, knownHosts) = await StartSshdAsync(work, ca);
        await using (sshd)
        {
            await using var connection = await Connector(sshd, knownHosts, key).ConnectAsync(ct);

            Assert.True(connection.IsAlive);
            var accepted = await AuthzRelay.WaitForLineAfterAsync(sshd.Process, 0, $"Accepted publickey for {User} from 127.0.0.1");
            Assert.Contains($"ED25519-CERT {Fingerprints(certificate.PublicKey.Blob.Span)} ID upstream-cert (serial 5) CA ED25519 {Fingerprints(ca.PublicKey.Blob.Span)}", accepted, StringComparison.Ordinal);

            // The channel works: the upstream runs a command for the certificate's session.
            var session = await connection.Connection.OpenSessionAsync(ct);
            Assert.True(await session.SendRequestAsync("exec", true, SshMux.Ssh.Connection.SessionRequests.EncodeExec("true"), ct));
        }
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task KeyWithoutACertificateOrWithAnExpiredOneIsRefused() => _run.RunAsync(async ct =>
    {
        using var work = new TempDirectory("sshmux-upcert-");
        var ca = await AuthzKeygen.GenerateAsync(work.File("ca"));
        var bare = await AuthzKeygen.GenerateAsync(work.File("id_bare"));
        var expired = await AuthzKeygen.GenerateAsync(work.File("id_expired"));
        await AuthzKeygen.SignAsync(ca, expired, "upstream-expired", User, "20200101:20200102");
        var current = await AuthzKeygen.GenerateAsync(work.File("id_current"));
        await AuthzKeygen.SignAsync(ca, current, "upstream-current", User);
        var (sshd, knownHosts) = await StartSshdAsync(work, ca);
        await using (sshd)
        {
            await Assert.ThrowsAnyAsync<SshException>(() => Connector(sshd, knownHosts, bare).ConnectAsync(ct));
            await Assert.ThrowsAnyAsync<SshException>(() => Connector(sshd, knownHosts, expired).ConnectAsync(ct));
            await AuthzRelay.WaitForLineAfterAsync(sshd.Process, 0, "expired");

            // The same sshd accepts a current certificate from the same CA.
            await using var connection = await Connector(sshd, knownHosts, current).ConnectAsync(ct);
            Assert.True(connection.IsAlive);
            Assert.Equal(1, sshd.Process.Count(l => l.Contains($"Accepted publickey for {User} ", StringComparison.Ordinal)));
        }
    });

    /// <summary>OpenSSH's fingerprint, computed here rather than by ssh-mux.</summary>
    private static string Fingerprints(ReadOnlySpan<byte> blob) =>
        "SHA256:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(blob)).TrimEnd('=');
}
