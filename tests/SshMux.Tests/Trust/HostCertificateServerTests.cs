using System.Globalization;
using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;
using Xunit.Abstractions;

namespace SshMux.Tests.Trust;

/// <summary>
/// The server half of host certificates against the OpenSSH client: our transport presents a
/// certificate that ssh-keygen -s -h signed, and ssh accepts it only through a matching
/// @cert-authority line and principal.
/// </summary>
public class HostCertificateServerTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    [PeerTheory(Peers.Ssh, Peers.SshKeygen)]
    [InlineData("ssh-ed25519", "127.0.0.1", true)]
    [InlineData("ecdsa-sha2-nistp256", "127.0.0.1,localhost", true)]
    [InlineData("ssh-rsa", "127.0.0.1", true)]
    [InlineData("ssh-ed25519", "db.example.com", false)]
    public Task SshAcceptsOurHostCertificateThroughItsCa(string keyType, string principals, bool accepted) => _run.RunAsync(async ct =>
    {
        using var rig = new SshdTrustRig(_run);
        var ca = await rig.GenerateAsync("ca");
        using var hostKey = keyType == "ssh-rsa" ? SshPrivateKey.Generate(keyType, 2048) : SshPrivateKey.Generate(keyType);
        await File.WriteAllTextAsync(rig.Work.File("host.pub"), SshPublicKeyLine.Format(hostKey.PublicKey, "host") + "\n", ct);
        var certificate = SshCertificateLine.Load(await rig.SignHostKeyAsync("ca", "host", "-n", principals)).Certificate;
        await File.WriteAllTextAsync(rig.KnownHosts, $"@cert-authority [127.0.0.1]:* {SshPublicKeyLine.Format(ca, "ca")}\n", ct);
        await using var server = OurServer.Start(_run, options =>
        {
            options.HostKeys = [hostKey];
            options.HostCertificates = [certificate];
            options.HostKeyAlgorithms = [.. AlgorithmRegistry.CertificateHostKeyAlgorithms, .. AlgorithmRegistry.DefaultHostKeyAlgorithms];
        });

        await using var ssh = _run.Track(PeerProcess.Start("ssh", Peers.Require(Peers.Ssh),
        [
            "-v", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + rig.KnownHosts,
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=20", "-p", server.Port.ToString(CultureInfo.InvariantCulture),
            "-l", "sshmux-interop", "127.0.0.1", "true",
        ]));
        await ssh.WaitForExitAsync(OpenSshClient.Timeout);

        var algorithm = keyType == "ssh-rsa" ? SshCertificateAlgorithms.RsaSha2_512 : SshCertificateAlgorithms.CertificateType(keyType)!;
        Assert.Contains(ssh.Lines, l => l.EndsWith("kex: host key algorithm: " + algorithm, StringComparison.Ordinal));
        var certificateType = SshCertificateAlgorithms.CertificateType(keyType)!;
        Assert.Contains(ssh.Lines, l => l.Contains($"Server host certificate: {certificateType} {Fingerprints.Sha256(hostKey.PublicKey.Blob.Span)}", StringComparison.Ordinal));
        if (accepted)
        {
            Assert.Contains(ssh.Lines, l => l.Contains("is known and matches the", StringComparison.Ordinal) && l.Contains("-CERT host certificate", StringComparison.Ordinal));
            Assert.Contains(ssh.Lines, l => l.Contains("Permission denied", StringComparison.Ordinal));
        }
        else
        {
            Assert.Contains(ssh.Lines, l => l.Contains("Certificate invalid: name is not a listed principal", StringComparison.Ordinal));
            Assert.Contains(ssh.Lines, l => l.Contains("Host key verification failed", StringComparison.Ordinal));
        }
    });
}
