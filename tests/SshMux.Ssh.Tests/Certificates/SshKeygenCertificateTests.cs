using System.Globalization;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Keys;

namespace SshMux.Ssh.Tests.Certificates;

/// <summary>
/// Certificates made by OpenSSH's ssh-keygen -s, for every subject key type and every CA type
/// (RSA CAs with each of their three signature algorithms), user and host: they decode here,
/// every field agrees with ssh-keygen -L, and they validate for their principal in their window.
/// </summary>
public class SshKeygenCertificateTests
{
    public static TheoryData<string, string, string, bool> Matrix()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var subject in KeygenCertificates.KeyKinds)
        {
            foreach (var ca in KeygenCertificates.KeyKinds)
            {
                var algorithms = ca.Name == "rsa" ? new[] { "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa" } : new[] { "" };
                foreach (var algorithm in algorithms)
                {
                    data.Add(subject.Name, ca.Name, algorithm, false);
                    data.Add(subject.Name, ca.Name, algorithm, true);
                }
            }
        }

        return data;
    }

    [SshKeygenTheory]
    [MemberData(nameof(Matrix))]
    public void CertificateFromSshKeygenDecodesAgreesWithListingAndValidates(string subject, string ca, string caAlgorithm, bool host)
    {
        List<string> arguments = ["-I", $"id {subject} by {ca}", "-n", "alice,bob.example.com", "-V", KeygenCertificates.Window, "-z", "4242"];
        if (host)
        {
            arguments.Add("-h");
        }

        if (caAlgorithm.Length > 0)
        {
            arguments.AddRange(["-t", caAlgorithm]);
        }

        var path = KeygenCertificates.Sign("user_" + subject, "ca_" + ca, [.. arguments]);
        var line = SshCertificateLine.Load(path);
        var certificate = line.Certificate;
        var subjectKey = KeygenCertificates.PublicKey("user_" + subject);
        var caKey = KeygenCertificates.PublicKey("ca_" + ca);

        Assert.Equal(SshCertificateAlgorithms.CertificateType(subjectKey.KeyType), certificate.KeyType);
        Assert.Equal(subjectKey, certificate.PublicKey);
        Assert.Equal(caKey, certificate.SignatureKey);
        Assert.Equal(caAlgorithm.Length > 0 ? caAlgorithm : caKey.KeyType, certificate.SignatureAlgorithm);
        Assert.Equal(host ? SshCertificateType.Host : SshCertificateType.User, certificate.Type);
        Assert.Equal(subjectKey.SignatureAlgorithms, certificate.SignatureAlgorithms);

        // Field by field against OpenSSH's own reading of the file.
        var listing = KeygenListing.Read(path);
        Assert.Equal($"{certificate.KeyType} {(host ? "host" : "user")} certificate", listing.Type);
        Assert.Equal(certificate.GetSha256Fingerprint(), listing.PublicKeyFingerprint);
        Assert.Equal(certificate.SignatureKey.GetSha256Fingerprint(), listing.CaFingerprint);
        Assert.Equal(certificate.SignatureAlgorithm, listing.CaAlgorithm);
        Assert.Equal(certificate.KeyId, listing.KeyId);
        Assert.Equal(certificate.Serial, listing.Serial);
        Assert.Equal(4242UL, certificate.Serial);
        Assert.Equal($"from {Local(certificate.ValidAfter)} to {Local(certificate.ValidBefore)}", listing.Valid);
        Assert.Equal((ulong)KeygenCertificates.WindowStart.ToUnixTimeSeconds(), certificate.ValidAfter);
        Assert.Equal((ulong)KeygenCertificates.WindowEnd.ToUnixTimeSeconds(), certificate.ValidBefore);
        Assert.Equal(listing.Principals, certificate.Principals);
        Assert.Equal(listing.CriticalOptionNames, certificate.CriticalOptions.Select(o => o.Name));
        Assert.Equal(listing.ExtensionNames, certificate.Extensions.Select(o => o.Name));

        // The blob written back is the file's line (ssh-keygen writes "type base64 comment").
        Assert.StartsWith(certificate.ToOpenSshString(), File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(line.Comment, File.ReadAllText(path).Trim().Split(' ', 3).ElementAtOrDefault(2) ?? string.Empty);

        var sha1 = certificate.SignatureAlgorithm == "ssh-rsa";
        var policy = new SshCertificatePolicy
        {
            TrustedAuthorities = [caKey],
            ExpectedType = certificate.Type,
            Principal = host ? "bob.example.com" : "alice",
            Now = KeygenCertificates.InWindow,
            ClientAddress = System.Net.IPAddress.Loopback,
        };
        var result = SshCertificateValidator.Validate(certificate, policy);
        if (sha1)
        {
            // CASignatureAlgorithms leaves ssh-rsa out by default; allowing it explicitly accepts the certificate.
            Assert.Equal(SshCertificateFailure.DisallowedSignatureAlgorithm, result.Failure);
            result = SshCertificateValidator.Validate(certificate, policy with { AllowSha1Signature = true });
        }

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal(caKey, result.Authority);
        if (host)
        {
            Assert.Null(result.Restrictions);
        }
        else
        {
            // ssh-keygen's default user extensions grant everything.
            var restrictions = result.Restrictions!;
            Assert.True(restrictions.PermitPty && restrictions.PermitPortForwarding && restrictions.PermitAgentForwarding
                && restrictions.PermitX11Forwarding && restrictions.PermitUserRc);
        }
    }

    /// <summary>ssh-keygen -L prints times in the local zone; the runs use TZ=UTC.</summary>
    private static string Local(ulong seconds) =>
        DateTimeOffset.FromUnixTimeSeconds((long)seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}
