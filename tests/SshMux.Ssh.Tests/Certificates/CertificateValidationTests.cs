using System.Net;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Keys;

namespace SshMux.Ssh.Tests.Certificates;

/// <summary>
/// Validation of certificates made by ssh-keygen: each refusal is checked together with a
/// passing neighbour (same certificate, one input changed), so a validator that refuses
/// everything fails these tests as surely as one that accepts everything.
/// </summary>
public class CertificateValidationTests
{
    private const string Subject = "user_ed25519";
    private const string Ca = "ca_ed25519";

    private static SshPublicKey CaKey => KeygenCertificates.PublicKey(Ca);

    private static SshCertificatePolicy UserPolicy(string principal = "alice") => new()
    {
        TrustedAuthorities = [CaKey],
        ExpectedType = SshCertificateType.User,
        Principal = principal,
        Now = KeygenCertificates.InWindow,
        ClientAddress = IPAddress.Parse("10.1.2.3"),
    };

    private static SshCertificate UserCertificate(params string[] extra) =>
        KeygenCertificates.SignAndLoad(Subject, Ca, ["-n", "alice,bob", "-V", KeygenCertificates.Window, .. extra]);

    [SshKeygenFact]
    public void ValidityWindowIsInclusiveOfStartAndExclusiveOfEnd()
    {
        var certificate = UserCertificate();
        Assert.True(SshCertificateValidator.Validate(certificate, UserPolicy() with { Now = KeygenCertificates.WindowStart }).IsValid);
        Assert.True(SshCertificateValidator.Validate(certificate, UserPolicy() with { Now = KeygenCertificates.WindowEnd.AddSeconds(-1) }).IsValid);

        var early = SshCertificateValidator.Validate(certificate, UserPolicy() with { Now = KeygenCertificates.WindowStart.AddSeconds(-1) });
        Assert.Equal(SshCertificateFailure.NotYetValid, early.Failure);
        Assert.Equal("certificate is not valid before 2030-01-01T00:00:00Z", early.Reason);

        var late = SshCertificateValidator.Validate(certificate, UserPolicy() with { Now = KeygenCertificates.WindowEnd });
        Assert.Equal(SshCertificateFailure.Expired, late.Failure);
        Assert.Equal("certificate expired at 2030-02-01T00:00:00Z", late.Reason);
    }

    [SshKeygenFact]
    public void ExpiredAndNotYetValidCertificatesFromRelativeWindows()
    {
        var now = DateTimeOffset.UtcNow;
        var expired = KeygenCertificates.SignAndLoad(Subject, Ca, "-n", "alice", "-V", "-2w:-1w");
        var future = KeygenCertificates.SignAndLoad(Subject, Ca, "-n", "alice", "-V", "+1w:+2w");
        var current = KeygenCertificates.SignAndLoad(Subject, Ca, "-n", "alice", "-V", "-1w:+1w");
        Assert.Equal(SshCertificateFailure.Expired, SshCertificateValidator.ValidateUser(expired, [CaKey], "alice", null, now).Failure);
        Assert.Equal(SshCertificateFailure.NotYetValid, SshCertificateValidator.ValidateUser(future, [CaKey], "alice", null, now).Failure);
        Assert.True(SshCertificateValidator.ValidateUser(current, [CaKey], "alice", null, now).IsValid);

        // Without an explicit time the current time is used.
        Assert.True(SshCertificateValidator.ValidateUser(current, [CaKey], "alice", null).IsValid);
        Assert.Equal(SshCertificateFailure.Expired, SshCertificateValidator.ValidateUser(expired, [CaKey], "alice", null).Failure);
    }

    [SshKeygenFact]
    public void ForeverCertificateHasNoEnd()
    {
        var certificate = KeygenCertificates.SignAndLoad(Subject, Ca, "-n", "alice");
        Assert.Equal(SshCertificate.Forever, certificate.ValidBefore);
        Assert.Equal(0UL, certificate.ValidAfter);
        Assert.True(SshCertificateValidator.Validate(certificate, UserPolicy() with { Now = DateTimeOffset.MaxValue }).IsValid);
    }

    [SshKeygenFact]
    public void PrincipalMustBeListedExactlyForUsers()
    {
        var certificate = UserCertificate();
        Assert.True(SshCertificateValidator.Validate(certificate, UserPolicy("bob")).IsValid);

        var wrong = SshCertificateValidator.Validate(certificate, UserPolicy("mallory"));
        Assert.Equal(SshCertificateFailure.PrincipalNotListed, wrong.Failure);
        Assert.Equal("principal 'mallory' not in certificate", wrong.Reason);
        Assert.Equal(SshCertificateFailure.PrincipalNotListed, SshCertificateValidator.Validate(certificate, UserPolicy("Alice")).Failure);

        // User principals are not patterns.
        var pattern = KeygenCertificates.SignAndLoad(Subject, Ca, "-n", "al*", "-V", KeygenCertificates.Window);
        Assert.Equal(SshCertificateFailure.PrincipalNotListed, SshCertificateValidator.Validate(pattern, UserPolicy("alice")).Failure);
        Assert.True(SshCertificateValidator.Validate(pattern, UserPolicy("al*")).IsValid);

        // No principal requested: the caller checks principals itself.
        Assert.True(SshCertificateValidator.Validate(certificate, UserPolicy() with { Principal = null }).IsValid);
    }

    [SshKeygenFact]
    public void HostPrincipalsMayBeWildcards()
    {
        var certificate = KeygenCertificates.SignAndLoad(Subject, Ca, "-h", "-n", "*.example.com,db?.example.org", "-V", KeygenCertificates.Window);
        foreach (var host in new[] { "www.example.com", "WWW.Example.COM", "db1.example.org" })
        {
            Assert.True(SshCertificateValidator.ValidateHost(certificate, [CaKey], host, KeygenCertificates.InWindow).IsValid, host);
        }

        foreach (var host in new[] { "example.com", "db12.example.org", "www.example.net" })
        {
            var result = SshCertificateValidator.ValidateHost(certificate, [CaKey], host, KeygenCertificates.InWindow);
            Assert.Equal(SshCertificateFailure.PrincipalNotListed, result.Failure);
            Assert.Equal($"principal '{host}' not in certificate", result.Reason);
        }
    }

    [SshKeygenFact]
    public void TypeMustMatch()
    {
        var host = KeygenCertificates.SignAndLoad(Subject, Ca, "-h", "-n", "alice", "-V", KeygenCertificates.Window);
        var asUser = SshCertificateValidator.Validate(host, UserPolicy());
        Assert.Equal(SshCertificateFailure.WrongType, asUser.Failure);
        Assert.Equal("certificate is a host certificate, not a user certificate", asUser.Reason);
        Assert.True(SshCertificateValidator.Validate(host, UserPolicy() with { ExpectedType = SshCertificateType.Host }).IsValid);

        var user = UserCertificate();
        Assert.Equal(SshCertificateFailure.WrongType, SshCertificateValidator.ValidateHost(user, [CaKey], "alice", KeygenCertificates.InWindow).Failure);
    }

    [SshKeygenFact]
    public void CaMustBeTrusted()
    {
        var certificate = UserCertificate();
        var other = KeygenCertificates.PublicKey("other_ed25519");
        var result = SshCertificateValidator.Validate(certificate, UserPolicy() with { TrustedAuthorities = [other] });
        Assert.Equal(SshCertificateFailure.UntrustedAuthority, result.Failure);
        Assert.Contains(CaKey.GetSha256Fingerprint(), result.Reason, StringComparison.Ordinal);
        Assert.Null(result.Authority);

        // Neither the subject key itself nor an empty list makes it trusted; the right CA among others does.
        Assert.False(SshCertificateValidator.Validate(certificate, UserPolicy() with { TrustedAuthorities = [certificate.PublicKey] }).IsValid);
        Assert.False(SshCertificateValidator.Validate(certificate, UserPolicy() with { TrustedAuthorities = [] }).IsValid);
        Assert.True(SshCertificateValidator.Validate(certificate, UserPolicy() with { TrustedAuthorities = [other, CaKey] }).IsValid);
    }

    [SshKeygenFact]
    public void TamperedCertificateFileIsRefusedWhenRead()
    {
        var path = KeygenCertificates.Sign(Subject, Ca, "-I", "original id", "-n", "alice", "-V", KeygenCertificates.Window);
        var line = SshCertificateLine.Load(path);
        var blob = line.Certificate.Blob.ToArray();

        // The last byte is in the signature; the key id is in the signed body.
        var signatureTampered = (byte[])blob.Clone();
        signatureTampered[^1] ^= 0x40;
        var bodyTampered = (byte[])blob.Clone();
        var idAt = blob.AsSpan().IndexOf("original id"u8);
        bodyTampered[idAt] = (byte)'O';
        foreach (var tampered in new[] { signatureTampered, bodyTampered })
        {
            var text = line.Certificate.KeyType + " " + Convert.ToBase64String(tampered);
            var e = Assert.Throws<FormatException>(() => SshCertificateLine.Parse(text));
            Assert.Contains("does not verify", e.Message, StringComparison.Ordinal);
        }

        // ssh-keygen agrees that the tampered file is not a certificate.
        File.WriteAllText(path, line.Certificate.KeyType + " " + Convert.ToBase64String(bodyTampered) + "\n");
        Assert.NotEqual(0, KeygenCertificates.RunUnchecked("-L", "-f", path).Code);
    }

    [SshKeygenFact]
    public void UnknownCriticalOptionIsRefusedButUnknownExtensionIsIgnored()
    {
        var critical = UserCertificate("-O", "critical:frobnicate@example.com=yes");
        var result = SshCertificateValidator.Validate(critical, UserPolicy());
        Assert.Equal(SshCertificateFailure.UnsupportedCriticalOption, result.Failure);
        Assert.Equal("unsupported critical option 'frobnicate@example.com'", result.Reason);

        var extension = UserCertificate("-O", "extension:frobnicate@example.com");
        var accepted = SshCertificateValidator.Validate(extension, UserPolicy());
        Assert.True(accepted.IsValid, accepted.Reason);
        Assert.Equal(["frobnicate@example.com"], accepted.Restrictions!.UnknownExtensions);
    }

    [SshKeygenFact]
    public void SourceAddressIsMatchedAsCidr()
    {
        var certificate = UserCertificate("-O", "source-address=10.0.0.0/8,192.168.1.7,2001:db8::/32");
        Assert.Equal("10.0.0.0/8,192.168.1.7,2001:db8::/32", SshCertificateValidator.Validate(certificate, UserPolicy()).Restrictions!.SourceAddress);
        foreach (var address in new[] { "10.0.0.1", "10.255.255.255", "192.168.1.7", "2001:db8::1", "::ffff:10.9.8.7" })
        {
            var result = SshCertificateValidator.Validate(certificate, UserPolicy() with { ClientAddress = IPAddress.Parse(address) });
            Assert.True(result.IsValid, address + ": " + result.Reason);
        }

        foreach (var address in new[] { "11.0.0.1", "192.168.1.8", "2001:db9::1", "127.0.0.1" })
        {
            var result = SshCertificateValidator.Validate(certificate, UserPolicy() with { ClientAddress = IPAddress.Parse(address) });
            Assert.Equal(SshCertificateFailure.SourceAddressNotPermitted, result.Failure);
            Assert.Contains($"source address {address} is not permitted", result.Reason, StringComparison.Ordinal);
        }

        var unknown = SshCertificateValidator.Validate(certificate, UserPolicy() with { ClientAddress = null });
        Assert.Equal(SshCertificateFailure.SourceAddressNotPermitted, unknown.Failure);
    }

    [SshKeygenFact]
    public void OptionsBecomeRestrictions()
    {
        var plain = SshCertificateValidator.Validate(UserCertificate(), UserPolicy()).Restrictions!;
        Assert.Null(plain.ForceCommand);
        Assert.True(plain.PermitPty);

        var restricted = SshCertificateValidator.Validate(UserCertificate("-O", "force-command=/usr/bin/uptime -p", "-O", "no-pty", "-O", "no-port-forwarding"), UserPolicy()).Restrictions!;
        Assert.Equal("/usr/bin/uptime -p", restricted.ForceCommand);
        Assert.False(restricted.PermitPty);
        Assert.False(restricted.PermitPortForwarding);
        Assert.True(restricted.PermitAgentForwarding);
        Assert.True(restricted.PermitX11Forwarding);
        Assert.True(restricted.PermitUserRc);

        var cleared = SshCertificateValidator.Validate(UserCertificate("-O", "clear", "-O", "permit-agent-forwarding"), UserPolicy()).Restrictions!;
        Assert.Equal((false, true, false, false, false),
            (cleared.PermitPty, cleared.PermitAgentForwarding, cleared.PermitPortForwarding, cleared.PermitX11Forwarding, cleared.PermitUserRc));
    }

    [SshKeygenFact]
    public void VerifyRequiredCannotBeSatisfiedByPlainKeys()
    {
        var result = SshCertificateValidator.Validate(UserCertificate("-O", "verify-required"), UserPolicy());
        Assert.Equal(SshCertificateFailure.UnsupportedCriticalOption, result.Failure);
        Assert.Contains("verify-required", result.Reason, StringComparison.Ordinal);
    }

    [SshKeygenFact]
    public void EmptyPrincipalsAreRefusedUnlessAllowed()
    {
        var certificate = KeygenCertificates.SignAndLoad(Subject, Ca, "-V", KeygenCertificates.Window);
        Assert.Empty(certificate.Principals);
        var refused = SshCertificateValidator.Validate(certificate, UserPolicy());
        Assert.Equal(SshCertificateFailure.NoPrincipals, refused.Failure);
        Assert.Equal("certificate lists no principals", refused.Reason);
        Assert.Equal(SshCertificateFailure.NoPrincipals, SshCertificateValidator.Validate(certificate, UserPolicy() with { Principal = null }).Failure);
        Assert.True(SshCertificateValidator.Validate(certificate, UserPolicy("anyone") with { AllowEmptyPrincipals = true }).IsValid);
    }

    [SshKeygenFact]
    public void Sha1CaSignatureIsRefusedUnlessAllowed()
    {
        var certificate = KeygenCertificates.SignAndLoad(Subject, "ca_rsa", "-t", "ssh-rsa", "-n", "alice", "-V", KeygenCertificates.Window);
        Assert.Equal("ssh-rsa", certificate.SignatureAlgorithm);
        var policy = UserPolicy() with { TrustedAuthorities = [KeygenCertificates.PublicKey("ca_rsa")] };
        var refused = SshCertificateValidator.Validate(certificate, policy);
        Assert.Equal(SshCertificateFailure.DisallowedSignatureAlgorithm, refused.Failure);
        Assert.Contains("SHA-1", refused.Reason, StringComparison.Ordinal);
        Assert.True(SshCertificateValidator.Validate(certificate, policy with { AllowSha1Signature = true }).IsValid);
    }

    [Fact]
    public void HostCertificateWithCriticalOptionsIsRefused()
    {
        using var subject = SshPrivateKey.Generate("ssh-ed25519");
        using var ca = SshPrivateKey.Generate("ssh-ed25519");
        var builder = new TestCertificateBuilder(subject, ca) { Type = 2 };
        builder.Principals[0] = "host.example.com"u8.ToArray();
        Assert.True(SshCertificateValidator.ValidateHost(builder.Decode(), [ca.PublicKey], "host.example.com", DateTimeOffset.UtcNow).IsValid);

        builder.Critical.Add(("force-command", TestCertificateBuilder.StringData("ls")));
        var result = SshCertificateValidator.ValidateHost(builder.Decode(), [ca.PublicKey], "host.example.com", DateTimeOffset.UtcNow);
        Assert.Equal(SshCertificateFailure.UnsupportedCriticalOption, result.Failure);
    }

    [Fact]
    public void KnownOptionsWithExtraDataAreRefused()
    {
        using var subject = SshPrivateKey.Generate("ssh-ed25519");
        using var ca = SshPrivateKey.Generate("ssh-ed25519");
        var builder = new TestCertificateBuilder(subject, ca);
        var policy = new SshCertificatePolicy { TrustedAuthorities = [ca.PublicKey], ExpectedType = SshCertificateType.User, Principal = "alice" };
        Assert.True(SshCertificateValidator.Validate(builder.Decode(), policy).IsValid);

        builder.Extensions[0] = ("permit-pty", [0, 0, 0, 0]);
        Assert.Contains("extra data", SshCertificateValidator.Validate(builder.Decode(), policy).Reason, StringComparison.Ordinal);

        builder.Extensions[0] = ("permit-pty", []);
        builder.Critical.Add(("force-command", [.. TestCertificateBuilder.StringData("ls"), 0]));
        Assert.Contains("malformed", SshCertificateValidator.Validate(builder.Decode(), policy).Reason, StringComparison.Ordinal);

        builder.Critical[0] = ("source-address", TestCertificateBuilder.StringData("10.0.0.1/8"));
        Assert.Contains("not a valid CIDR list", SshCertificateValidator.Validate(builder.Decode(), policy).Reason, StringComparison.Ordinal);
    }
}
