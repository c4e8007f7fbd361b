using SshMux.Interop.Tests.Harness;
using SshMux.Routing;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;
using Xunit.Abstractions;

namespace SshMux.Tests.Trust;

/// <summary>
/// HostKeyTrust against a real OpenSSH sshd: host certificates made by ssh-keygen -s -h and
/// served with sshd's HostCertificate, known_hosts written by us and read back by ssh-keygen -F
/// and by ssh itself.
/// </summary>
public class HostKeyTrustSshdTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    public static TheoryData<string, string, string> HostKeyKinds() => new()
    {
        { "ed25519", "256", SshCertificateAlgorithms.Ed25519 },
        { "ecdsa", "384", SshCertificateAlgorithms.EcdsaNistP384 },
        { "rsa", "2048", SshCertificateAlgorithms.RsaSha2_512 },
    };

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(HostKeyKinds))]
    public Task HostCertificateFromATrustedCaIsAcceptedAndBindsTheSignIn(string type, string bits, string algorithm) => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        var ca = await rig.GenerateAsync("ca");
        var hostKey = await rig.GenerateAsync("host", type, bits);
        var certificate = await rig.SignHostKeyAsync("ca", "host", "-n", "127.0.0.1,localhost");
        var user = await UserKey.GenerateAsync(rig.Work.File("id_ed25519"));
        await File.WriteAllTextAsync(rig.KnownHosts, $"# corporate CA\n@cert-authority [127.0.0.1]:*,*.corp {SshPublicKeyLine.Format(ca, "ca")}\n", ct);
        await using var sshd = await rig.StartSshdAsync("host", certificate, user);
        var broker = ScriptedPromptBroker.Answering("yes");

        // Strict: nothing but the CA vouches for the host.
        await using var connected = await rig.ConnectAsync(sshd, rig.Trust(broker), HostKeyPolicy.Strict, ct, user);

        Assert.NotNull(connected);
        Assert.Equal(algorithm, connected.Verification.Algorithm);
        Assert.Equal(hostKey, connected.Verification.HostKey);
        Assert.Equal(SshCertificateLine.Load(certificate).Certificate, connected.Verification.Certificate);
        Assert.Equal(ca, connected.Verification.Certificate!.SignatureKey);
        Assert.Empty(broker.Requests);
        Assert.True(_run.Logged("Host certificate of " + SshdTrustRig.Name(sshd) + " accepted"));

        // sshd accepted the user's publickey-hostbound signature, which covers the certificate blob (PROTOCOL 3.1).
        await sshd.Process.WaitForLineAsync(l => l.Contains("Accepted publickey for " + SshdTrustRig.User, StringComparison.Ordinal), TimeSpan.FromSeconds(15), "the sign-in");
        Assert.Contains(sshd.Process.Lines, l => l.Contains("method publickey-hostbound-v00@openssh.com", StringComparison.Ordinal));
        Assert.Equal(1, File.ReadAllLines(rig.KnownHosts).Length - 1);
    });

    public static TheoryData<string> CertificateFaults() => ["principal", "no-principals", "expired", "not-yet-valid", "untrusted-ca", "revoked-ca", "revoked-key"];

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [MemberData(nameof(CertificateFaults))]
    public Task BadHostCertificateIsRefusedAndAcceptNewDoesNotPinAroundTheCa(string fault) => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        var ca = await rig.GenerateAsync("ca");
        var otherCa = await rig.GenerateAsync("other-ca");
        var hostKey = await rig.GenerateAsync("host");
        string[] arguments = fault switch
        {
            "principal" => ["-n", "db.example.com,127.0.0.2"],
            "no-principals" => [],
            "expired" => ["-n", "127.0.0.1", "-V", "20200101:20200201"],
            "not-yet-valid" => ["-n", "127.0.0.1", "-V", "20990101:20990201"],
            _ => ["-n", "127.0.0.1"],
        };
        var certificate = await rig.SignHostKeyAsync("ca", "host", arguments);
        var trusted = fault == "untrusted-ca" ? otherCa : ca;
        var knownHosts = $"@cert-authority [127.0.0.1]:* {SshPublicKeyLine.Format(trusted, "ca")}\n" + fault switch
        {
            "revoked-ca" => $"@revoked * {SshPublicKeyLine.Format(ca, "ca")}\n",
            "revoked-key" => $"@revoked [127.0.0.1]:* {SshPublicKeyLine.Format(hostKey, "host")}\n",
            _ => string.Empty,
        };
        await File.WriteAllTextAsync(rig.KnownHosts, knownHosts, ct);
        await using var sshd = await rig.StartSshdAsync("host", certificate);

        foreach (var policy in new[] { HostKeyPolicy.AcceptNew, HostKeyPolicy.Strict })
        {
            Assert.Null(await rig.ConnectAsync(sshd, rig.Trust(null), policy, ct));
        }

        Assert.Equal(knownHosts, await File.ReadAllTextAsync(rig.KnownHosts, ct));
        string expected = fault switch
        {
            "principal" => "principal",
            "no-principals" => "principal",
            "expired" => "expired",
            "not-yet-valid" => "not valid before",
            "untrusted-ca" => "no @cert-authority line",
            _ => "@revoked",
        };
        Assert.True(_run.Logged(expected), $"no log line mentions \"{expected}\"");
        if (!fault.StartsWith("revoked", StringComparison.Ordinal))
        {
            Assert.True(_run.Logged("not accepted automatically because known_hosts trusts a certificate authority"));
        }
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task PlainKeyWhereACaIsTrustedIsNotPinnedByAcceptNewAndAskWarns() => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        var ca = await rig.GenerateAsync("ca");
        await rig.GenerateAsync("host");
        var knownHosts = $"@cert-authority [127.0.0.1]:* {SshPublicKeyLine.Format(ca, "ca")}\n";
        await File.WriteAllTextAsync(rig.KnownHosts, knownHosts, ct);
        await using var sshd = await rig.StartSshdAsync("host", certificate: null);

        Assert.Null(await rig.ConnectAsync(sshd, rig.Trust(null), HostKeyPolicy.AcceptNew, ct));

        var broker = ScriptedPromptBroker.Answering("no");
        Assert.Null(await rig.ConnectAsync(sshd, rig.Trust(broker), HostKeyPolicy.Ask, ct));
        Assert.Contains("WARNING", Assert.Single(broker.Requests).Instruction, StringComparison.Ordinal);
        Assert.Equal(knownHosts, await File.ReadAllTextAsync(rig.KnownHosts, ct));
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task ChangedKeyIsRefusedWithBothFingerprints() => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        var old = await rig.GenerateAsync("old");
        var current = await rig.GenerateAsync("host");
        await using var sshd = await rig.StartSshdAsync("host", certificate: null);
        await File.WriteAllTextAsync(rig.KnownHosts, $"{SshdTrustRig.Name(sshd)} {SshPublicKeyLine.Format(old, null)}\n", ct);
        var broker = ScriptedPromptBroker.Answering("yes");

        Assert.Null(await rig.ConnectAsync(sshd, rig.Trust(broker), HostKeyPolicy.Ask, ct));

        Assert.Empty(broker.Requests);
        Assert.True(_run.Logged("REMOTE HOST IDENTIFICATION HAS CHANGED"));
        Assert.True(_run.Logged(Fingerprints.Sha256(old.Blob.Span)));
        Assert.True(_run.Logged(Fingerprints.Sha256(current.Blob.Span)));
    });

    [PeerTheory(Peers.Sshd, Peers.SshKeygen, Peers.Ssh)]
    [InlineData(false)]
    [InlineData(true)]
    public Task ConfirmedKeyIsPinnedWhereSshKeygenAndSshFindIt(bool hash) => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        var hostKey = await rig.GenerateAsync("host");
        await using var sshd = await rig.StartSshdAsync("host", certificate: null);
        var broker = ScriptedPromptBroker.Answering("yes");
        var trust = rig.Trust(broker, hash);

        await using (var first = await rig.ConnectAsync(sshd, trust, HostKeyPolicy.Ask, ct))
        {
            Assert.NotNull(first);
        }

        var request = Assert.Single(broker.Requests);
        Assert.Contains(Fingerprints.Sha256(hostKey.Blob.Span), request.Instruction, StringComparison.Ordinal);
        Assert.Equal(SshdTrustRig.Name(sshd), request.Host);

        // A second connection finds the pin and asks nothing.
        await using (var second = await rig.ConnectAsync(sshd, trust, HostKeyPolicy.Ask, ct))
        {
            Assert.NotNull(second);
        }

        Assert.Single(broker.Requests);

        // ssh-keygen -F finds the line we wrote, hashed or not.
        var (code, found) = await SshdTrustRig.KeygenAsync("-F", SshdTrustRig.Name(sshd), "-f", rig.KnownHosts);
        Assert.True(code == 0, found);
        Assert.Contains(Convert.ToBase64String(hostKey.Blob.Span), found, StringComparison.Ordinal);
        Assert.Equal(hash, found.Contains("|1|", StringComparison.Ordinal));

        // ssh itself, with StrictHostKeyChecking yes and only our file, gets past the host key (and fails to sign in: no key).
        await using var ssh = PeerProcess.Start("ssh", Peers.Require(Peers.Ssh),
        [
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + rig.KnownHosts,
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "PubkeyAuthentication=no", "-o", "HostKeyAlgorithms=ssh-ed25519",
            "-F", "/dev/null", "-p", sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-v", "127.0.0.1", "true",
        ]);
        await ssh.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(ssh.Lines, l => l.Contains("Host '" + SshdTrustRig.Name(sshd) + "' is known and matches the ED25519 host key", StringComparison.Ordinal));
    });

    [PeerTheory(Peers.Sshd, Peers.SshKeygen)]
    [InlineData("no")]
    [InlineData(null)]
    public Task DeclinedOrUnansweredKeyIsRefused(string? answer) => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        await rig.GenerateAsync("host");
        await using var sshd = await rig.StartSshdAsync("host", certificate: null);
        var broker = ScriptedPromptBroker.Answering(answer);

        Assert.Null(await rig.ConnectAsync(sshd, rig.Trust(broker), HostKeyPolicy.Ask, ct));

        Assert.Single(broker.Requests);
        Assert.False(File.Exists(rig.KnownHosts));
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task AcceptNewPinsWithoutAsking() => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        var hostKey = await rig.GenerateAsync("host");
        await using var sshd = await rig.StartSshdAsync("host", certificate: null);
        var broker = ScriptedPromptBroker.Answering("no");

        await using (var connected = await rig.ConnectAsync(sshd, rig.Trust(broker), HostKeyPolicy.AcceptNew, ct))
        {
            Assert.NotNull(connected);
        }

        Assert.Empty(broker.Requests);
        Assert.Equal(hostKey, Assert.Single(KnownHostsFile.Load(rig.KnownHosts).FindEntries("127.0.0.1", sshd.Port)).Key);
    });

    [PeerFact(Peers.Sshd, Peers.SshKeygen)]
    public Task KeyThatCannotBePinnedIsRefused() => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        await rig.GenerateAsync("host");
        await using var sshd = await rig.StartSshdAsync("host", certificate: null);

        // known_hosts would have to be created inside a regular file: no privilege helps.
        var blocker = rig.Work.File("not-a-directory");
        await File.WriteAllTextAsync(blocker, "x", ct);
        var knownHosts = Path.Combine(blocker, "known_hosts");

        Assert.Null(await rig.ConnectAsync(sshd, rig.Trust(ScriptedPromptBroker.Answering("yes"), knownHosts: knownHosts), HostKeyPolicy.Ask, ct));
        Assert.Null(await rig.ConnectAsync(sshd, rig.Trust(null, knownHosts: knownHosts), HostKeyPolicy.AcceptNew, ct));
        Assert.True(_run.Logged("cannot be pinned"));
    });
}
