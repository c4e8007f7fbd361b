using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Certificates;
using SshMux.Ssh.Tests.Support;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Transport;

/// <summary>
/// Host certificates in the key exchange (PROTOCOL.certkeys): our server sends its certificate
/// as K_S, our client decodes it, checks the exchange hash signature with the certified key and
/// hands the certificate to the verifier. Against OpenSSH sshd: tests/SshMux.Tests/Trust.
/// </summary>
public class HostCertificateKexTests
{
    public static TheoryData<string, string> Algorithms() => new()
    {
        { SshCertificateAlgorithms.Ed25519, "curve25519-sha256" },
        { SshCertificateAlgorithms.EcdsaNistP256, "ecdh-sha2-nistp256" },
        { SshCertificateAlgorithms.EcdsaNistP384, "ecdh-sha2-nistp384" },
        { SshCertificateAlgorithms.EcdsaNistP521, "diffie-hellman-group14-sha256" },
        { SshCertificateAlgorithms.RsaSha2_512, "curve25519-sha256" },
        { SshCertificateAlgorithms.RsaSha2_256, "diffie-hellman-group-exchange-sha256" },
    };

    private static SshCertificate HostCertificate(SshPrivateKey hostKey, SshPrivateKey ca)
    {
        var builder = new TestCertificateBuilder(hostKey, ca) { Type = (uint)SshCertificateType.Host };
        builder.Principals.Clear();
        builder.Principals.Add("server.example"u8.ToArray());
        builder.Extensions.Clear();
        return builder.Decode();
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task CertificateIsNegotiatedAndHandedToTheVerifier(string algorithm, string kex)
    {
        var plainType = AlgorithmRegistry.FindHostKey(algorithm)!.KeyType;
        var hostKey = TestKeys.ForKeyType(SshCertificateAlgorithms.PlainKeyType(plainType)!);
        var ca = TestKeys.ForKeyType("ssh-ed25519");
        var certificate = HostCertificate(hostKey, ca);
        HostKeyVerification? seen = null;
        var client = new SshClientOptions
        {
            KeyExchangeAlgorithms = [kex],
            HostKeyAlgorithms = [algorithm, .. AlgorithmRegistry.DefaultHostKeyAlgorithms],
            HostKeyVerifier = (v, _) =>
            {
                seen = v;
                return ValueTask.FromResult(true);
            },
        };
        var server = TransportPair.ServerWithAllKeys(new SshServerOptions
        {
            HostCertificates = [certificate],
            HostKeyAlgorithms = [.. AlgorithmRegistry.CertificateHostKeyAlgorithms, .. AlgorithmRegistry.DefaultHostKeyAlgorithms],
        });

        await using var pair = await TransportPair.StartAsync(client, server);

        Assert.Equal(algorithm, pair.Client.Negotiated!.HostKey);
        Assert.NotNull(seen);
        Assert.Equal(algorithm, seen!.Algorithm);
        Assert.Equal(certificate, seen.Certificate);
        Assert.Equal(hostKey.PublicKey, seen.HostKey);
        Assert.Equal(ca.PublicKey, seen.Certificate!.SignatureKey);
        Assert.Equal(certificate.Blob.ToArray(), pair.Client.HostKeyBlob.ToArray());
        Assert.Equal(certificate.Blob.ToArray(), pair.Server.HostKeyBlob.ToArray());
        Assert.Equal(hostKey.PublicKey, pair.Client.HostKey);
    }

    [Fact]
    public async Task ServerWithoutACertificateDoesNotOfferCertificateAlgorithms()
    {
        HostKeyVerification? seen = null;
        var client = new SshClientOptions
        {
            HostKeyAlgorithms = [.. AlgorithmRegistry.CertificateHostKeyAlgorithms, "ssh-ed25519"],
            HostKeyVerifier = (v, _) =>
            {
                seen = v;
                return ValueTask.FromResult(true);
            },
        };
        var server = TransportPair.ServerWithAllKeys(new SshServerOptions
        {
            HostKeyAlgorithms = [.. AlgorithmRegistry.CertificateHostKeyAlgorithms, .. AlgorithmRegistry.DefaultHostKeyAlgorithms],
        });

        await using var pair = await TransportPair.StartAsync(client, server);

        Assert.Equal("ssh-ed25519", seen!.Algorithm);
        Assert.Null(seen.Certificate);
        Assert.Null(pair.Client.HostCertificate);
    }

    [Fact]
    public async Task CertificateForAnotherKeyIsNotOffered()
    {
        // A certificate is usable only with the private key it certifies.
        var ca = TestKeys.ForKeyType("ssh-ed25519");
        var stray = HostCertificate(SshPrivateKey.Generate("ecdsa-sha2-nistp256"), ca);
        var client = new SshClientOptions
        {
            HostKeyAlgorithms = [SshCertificateAlgorithms.EcdsaNistP256],
            HostKeyVerifier = (_, _) => ValueTask.FromResult(true),
        };
        var server = TransportPair.ServerWithAllKeys(new SshServerOptions
        {
            HostCertificates = [stray],
            HostKeyAlgorithms = [.. AlgorithmRegistry.CertificateHostKeyAlgorithms, .. AlgorithmRegistry.DefaultHostKeyAlgorithms],
        });

        await Assert.ThrowsAnyAsync<SshException>(() => TransportPair.StartAsync(client, server));
    }
}
