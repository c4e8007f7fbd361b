using System.Text;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Keys;

namespace SshMux.Ssh.Tests.Certificates;

/// <summary>Certificate algorithm names (PROTOCOL.certkeys) and signing with a certificate identity.</summary>
public class CertificateIdentityTests
{
    [Theory]
    [InlineData("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com")]
    [InlineData("ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com")]
    [InlineData("ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384-cert-v01@openssh.com")]
    [InlineData("ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521-cert-v01@openssh.com")]
    [InlineData("ssh-rsa-cert-v01@openssh.com", "rsa-sha2-512", "rsa-sha2-512-cert-v01@openssh.com")]
    [InlineData("ssh-rsa-cert-v01@openssh.com", "rsa-sha2-256", "rsa-sha2-256-cert-v01@openssh.com")]
    [InlineData("ssh-rsa-cert-v01@openssh.com", "ssh-rsa", "ssh-rsa-cert-v01@openssh.com")]
    public void AlgorithmNamesRoundTrip(string certificateType, string signatureAlgorithm, string algorithmName)
    {
        Assert.Equal(algorithmName, SshCertificateAlgorithms.AlgorithmName(certificateType, signatureAlgorithm));
        Assert.True(SshCertificateAlgorithms.TryParseAlgorithmName(algorithmName, out var type, out var algorithm));
        Assert.Equal((certificateType, signatureAlgorithm), (type, algorithm));
        Assert.Contains(algorithmName, SshCertificateAlgorithms.AlgorithmNames);
        Assert.True(SshCertificateAlgorithms.IsCertificateType(certificateType));
        Assert.Equal(certificateType, SshCertificateAlgorithms.CertificateType(SshCertificateAlgorithms.PlainKeyType(certificateType)));
    }

    [Theory]
    [InlineData("ssh-ed25519-cert-v01@openssh.com", "ssh-rsa")]
    [InlineData("ssh-rsa-cert-v01@openssh.com", "ssh-ed25519")]
    [InlineData("ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384")]
    [InlineData("ssh-ed25519", "ssh-ed25519")]
    [InlineData("rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-512")]
    public void MismatchedNamesAreRefused(string certificateType, string signatureAlgorithm) =>
        Assert.Throws<ArgumentException>(() => SshCertificateAlgorithms.AlgorithmName(certificateType, signatureAlgorithm));

    [Theory]
    [InlineData("ssh-ed25519")]
    [InlineData("rsa-sha2-512")]
    [InlineData("ssh-dss-cert-v01@openssh.com")]
    [InlineData("")]
    [InlineData(null)]
    public void PlainNamesAreNotCertificateAlgorithms(string? name)
    {
        Assert.False(SshCertificateAlgorithms.TryParseAlgorithmName(name, out _, out _));
        Assert.False(SshCertificateAlgorithms.IsCertificateType(name));
    }

    public static TheoryData<string> Subjects()
    {
        var data = new TheoryData<string>();
        foreach (var kind in KeygenCertificates.KeyKinds)
        {
            data.Add(kind.Name);
        }

        return data;
    }

    [SshKeygenTheory]
    [MemberData(nameof(Subjects))]
    public async Task IdentitySignsWithTheSubjectKeyForEveryAlgorithm(string subject)
    {
        var certificatePath = KeygenCertificates.Sign("user_" + subject, "ca_ed25519", "-n", "alice");
        var certificate = SshCertificateLine.Load(certificatePath).Certificate;
        using var key = PrivateKeyFile.Load(KeygenCertificates.PrivateKeyPath("user_" + subject));
        var identity = new SshCertificateIdentity(key.Key, certificate, certificatePath);

        Assert.Equal(certificate.KeyType, identity.KeyType);
        Assert.Equal(certificate.Blob.ToArray(), identity.PublicKeyBlob.ToArray());
        Assert.Equal(key.Key.PublicKey, identity.PublicKey);
        Assert.Equal(certificatePath, identity.Comment);

        var data = Encoding.UTF8.GetBytes("session id and userauth request for " + subject);
        foreach (var algorithm in identity.SignatureAlgorithms)
        {
            var signature = await identity.SignAsync(algorithm, data, CancellationToken.None);
            Assert.True(certificate.PublicKey.Verify(algorithm, data, signature), algorithm);
            Assert.False(certificate.PublicKey.Verify(algorithm, [.. data, 0], signature), algorithm);
            var name = identity.AlgorithmName(algorithm);
            Assert.True(SshCertificateAlgorithms.TryParseAlgorithmName(name, out var type, out var parsedAlgorithm));
            Assert.Equal((certificate.KeyType, algorithm), (type, parsedAlgorithm));
        }

        await Assert.ThrowsAsync<ArgumentException>(async () => await identity.SignAsync(identity.AlgorithmName(identity.SignatureAlgorithms[0]), data, CancellationToken.None));
    }

    [SshKeygenFact]
    public void IdentityRefusesACertificateForAnotherKey()
    {
        var certificate = KeygenCertificates.SignAndLoad("user_ed25519", "ca_ed25519", "-n", "alice");
        using var other = PrivateKeyFile.Load(KeygenCertificates.PrivateKeyPath("other_ed25519"));
        Assert.Throws<ArgumentException>(() => new SshCertificateIdentity(other.Key, certificate));
    }
}
