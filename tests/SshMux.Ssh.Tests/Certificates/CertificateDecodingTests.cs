using System.Text;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.Tests.Certificates;

/// <summary>
/// Strict decoding (PROTOCOL.certkeys, sshkey.c cert_parse): each malformed certificate is
/// refused with a reason, and the same builder without the defect decodes, so every refusal is
/// for the defect under test.
/// </summary>
public sealed class CertificateDecodingTests : IDisposable
{
    private readonly SshPrivateKey _subject = SshPrivateKey.Generate("ssh-ed25519");
    private readonly SshPrivateKey _ca = SshPrivateKey.Generate("ecdsa-sha2-nistp256");

    public void Dispose()
    {
        _subject.Dispose();
        _ca.Dispose();
    }

    private TestCertificateBuilder Builder() => new(_subject, _ca);

    [Fact]
    public void WellFormedCertificateDecodesWithEveryField()
    {
        var builder = Builder();
        builder.Critical.Add(("force-command", TestCertificateBuilder.StringData("uptime")));
        builder.Critical.Add(("source-address", TestCertificateBuilder.StringData("10.0.0.0/8")));
        builder.Extensions.Add(("permit-user-rc", []));
        builder.Principals.Add(Encoding.UTF8.GetBytes("bob"));
        builder.ValidAfter = 100;
        builder.ValidBefore = 200;
        var blob = builder.Build();
        var certificate = SshCertificate.FromBlob(blob);

        Assert.Equal("ssh-ed25519-cert-v01@openssh.com", certificate.KeyType);
        Assert.Equal(blob, certificate.Blob.ToArray());
        Assert.Equal(builder.Nonce, certificate.Nonce.ToArray());
        Assert.Equal(_subject.PublicKey, certificate.PublicKey);
        Assert.Equal(7UL, certificate.Serial);
        Assert.Equal(SshCertificateType.User, certificate.Type);
        Assert.Equal("test", certificate.KeyId);
        Assert.Equal(["alice", "bob"], certificate.Principals);
        Assert.Equal((100UL, 200UL), (certificate.ValidAfter, certificate.ValidBefore));
        Assert.Equal(["force-command", "source-address"], certificate.CriticalOptions.Select(o => o.Name));
        Assert.True(certificate.FindCriticalOption("force-command")!.TryGetString(out var command));
        Assert.Equal("uptime", command);
        Assert.Equal(["permit-pty", "permit-user-rc"], certificate.Extensions.Select(o => o.Name));
        Assert.Equal(_ca.PublicKey, certificate.SignatureKey);
        Assert.Equal("ecdsa-sha2-nistp256", certificate.SignatureAlgorithm);
        Assert.True(certificate.IsValidAt(100));
        Assert.True(certificate.IsValidAt(199));
        Assert.False(certificate.IsValidAt(200));
        Assert.False(certificate.IsValidAt(99));
        Assert.Equal(SshCertificate.FromBlob(blob), certificate);
        Assert.Equal(SshCertificate.FromBlob(blob).GetHashCode(), certificate.GetHashCode());
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(uint.MaxValue)]
    public void UnknownCertificateTypeIsRefused(uint type)
    {
        var builder = Builder();
        builder.Type = type;
        var e = Assert.Throws<SshException>(builder.Decode);
        Assert.Contains($"unknown certificate type {type}", e.Message, StringComparison.Ordinal);
        builder.Type = 2;
        Assert.Equal(SshCertificateType.Host, builder.Decode().Type);
    }

    [Fact]
    public void TrailingBytesAreRefused()
    {
        var builder = Builder();
        builder.TrailingBytes = [0];
        Assert.Contains("trailing", Assert.Throws<SshException>(builder.Decode).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void UnsortedOptionsAreRefused(bool critical)
    {
        var builder = Builder();
        var list = critical ? builder.Critical : builder.Extensions;
        list.Clear();
        list.Add(("source-address", TestCertificateBuilder.StringData("10.0.0.0/8")));
        list.Add(("force-command", TestCertificateBuilder.StringData("ls")));
        var e = Assert.Throws<SshException>(builder.Decode);
        Assert.Contains("not sorted", e.Message, StringComparison.Ordinal);

        list.Reverse();
        Assert.Equal(2, (critical ? builder.Decode().CriticalOptions : builder.Decode().Extensions).Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RepeatedOptionsAreRefused(bool critical)
    {
        var builder = Builder();
        var list = critical ? builder.Critical : builder.Extensions;
        list.Clear();
        list.Add(("force-command", TestCertificateBuilder.StringData("ls")));
        list.Add(("force-command", TestCertificateBuilder.StringData("id")));
        Assert.Contains("more than once", Assert.Throws<SshException>(builder.Decode).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsSortByBytesNotCulture()
    {
        // "permit-X11-forwarding" sorts before "permit-agent-forwarding" ('X' < 'a'), as ssh-keygen writes them.
        var builder = Builder();
        builder.Extensions.Clear();
        builder.Extensions.Add(("permit-X11-forwarding", []));
        builder.Extensions.Add(("permit-agent-forwarding", []));
        Assert.Equal(2, builder.Decode().Extensions.Count);
        builder.Extensions.Reverse();
        Assert.Throws<SshException>(builder.Decode);
    }

    [Fact]
    public void MalformedOptionSectionIsRefused()
    {
        var builder = Builder();
        var complete = TestCertificateBuilder.StringData("force-command").Concat(TestCertificateBuilder.StringData("ls")).ToArray();
        builder.CriticalSectionOverride = complete;
        Assert.Equal("force-command", Assert.Single(builder.Decode().CriticalOptions).Name);

        // A name with no data field after it, and a data field cut short.
        builder.CriticalSectionOverride = TestCertificateBuilder.StringData("force-command");
        Assert.Throws<SshException>(builder.Decode);
        builder.CriticalSectionOverride = complete[..^1];
        Assert.Throws<SshException>(builder.Decode);
    }

    [Fact]
    public void ChainedCertificateAsSignatureKeyIsRefused()
    {
        var inner = Builder().Build();
        var builder = Builder();
        builder.SignatureKeyBlob = inner;
        Assert.Contains("chained", Assert.Throws<SshException>(builder.Decode).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignatureKeyThatIsNotAKeyIsRefused()
    {
        var builder = Builder();
        builder.SignatureKeyBlob = [0, 0, 0, 3, (byte)'f', (byte)'o', (byte)'o'];
        Assert.Contains("signature key", Assert.Throws<SshException>(builder.Decode).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignatureFromAnotherKeyIsRefused()
    {
        using var other = SshPrivateKey.Generate("ecdsa-sha2-nistp256");
        var builder = Builder();
        builder.SignatureKeyBlob = other.PublicKey.Blob.ToArray();
        Assert.Contains("does not verify", Assert.Throws<SshException>(builder.Decode).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryFlippedBitIsRefused()
    {
        var blob = Builder().Build();
        Assert.NotNull(SshCertificate.FromBlob(blob));

        // Any change to a signed field breaks the signature; any change elsewhere breaks the framing or the signature.
        for (var i = 0; i < blob.Length; i++)
        {
            var copy = (byte[])blob.Clone();
            copy[i] ^= 0x01;
            Assert.False(SshCertificate.TryFromBlob(copy, out _, out var error), $"byte {i} flipped was accepted");
            Assert.NotNull(error);
        }
    }

    [Fact]
    public void EveryTruncationIsRefusedWithSshException()
    {
        var blob = Builder().Build();
        for (var length = 0; length < blob.Length; length++)
        {
            Assert.Throws<SshException>(() => SshCertificate.FromBlob(blob.AsSpan(0, length)));
        }
    }

    [Fact]
    public void TooManyPrincipalsAreRefused()
    {
        var builder = Builder();
        builder.Principals.Clear();
        for (var i = 0; i < SshCertificate.MaxPrincipals; i++)
        {
            builder.Principals.Add(Encoding.UTF8.GetBytes("p" + i));
        }

        Assert.Equal(SshCertificate.MaxPrincipals, builder.Decode().Principals.Count);
        builder.Principals.Add("one too many"u8.ToArray());
        Assert.Contains("principals", Assert.Throws<SshException>(builder.Decode).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrincipalWithNulInsideIsRefusedButATrailingNulIsDropped()
    {
        var builder = Builder();
        builder.Principals[0] = "ali\0ce"u8.ToArray();
        Assert.Contains("NUL", Assert.Throws<SshException>(builder.Decode).Message, StringComparison.Ordinal);

        builder.Principals[0] = "alice\0"u8.ToArray();
        Assert.Equal("alice", builder.Decode().Principals[0]);
    }

    [Theory]
    [InlineData("rsa-sha2-512-cert-v01@openssh.com")]
    [InlineData("ssh-dss-cert-v01@openssh.com")]
    [InlineData("ssh-ed25519")]
    [InlineData("ssh-rsa-cert-v01@openssh.com")]
    public void BlobTypeMustBeACertificateTypeMatchingTheKey(string type)
    {
        var builder = Builder();
        builder.KeyTypeOverride = type;
        Assert.Throws<SshException>(builder.Decode);
    }

    [Fact]
    public void SignatureAlgorithmMustSuitTheCaKey()
    {
        using var rsaCa = SshPrivateKey.Generate("ssh-rsa", 2048);
        var builder = Builder();
        builder.Ca = rsaCa;
        foreach (var algorithm in rsaCa.PublicKey.SignatureAlgorithms)
        {
            builder.SignatureAlgorithm = algorithm;
            Assert.Equal(algorithm, builder.Decode().SignatureAlgorithm);
        }
    }

    [Fact]
    public void LineParsingChecksTypeAgainstBlob()
    {
        var certificate = Builder().Decode();
        var line = certificate.ToOpenSshString("a comment");
        var parsed = SshCertificateLine.Parse(line);
        Assert.Equal(certificate, parsed.Certificate);
        Assert.Equal("a comment", parsed.Comment);
        Assert.Equal(line, parsed.ToString());

        var wrongType = "ecdsa-sha2-nistp256-cert-v01@openssh.com" + line[line.IndexOf(' ', StringComparison.Ordinal)..];
        Assert.Contains("says", Assert.Throws<FormatException>(() => SshCertificateLine.Parse(wrongType)).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => SshCertificateLine.Parse("ssh-ed25519-cert-v01@openssh.com"));
        Assert.Throws<FormatException>(() => SshCertificateLine.Parse("ssh-ed25519-cert-v01@openssh.com !!!"));
        Assert.Throws<FormatException>(() => SshCertificateLine.Parse(_subject.PublicKey.ToOpenSshString()));
        Assert.False(SshCertificateLine.TryParse("", out _));
    }
}
