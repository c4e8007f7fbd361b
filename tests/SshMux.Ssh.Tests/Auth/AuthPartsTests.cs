using System.Buffers.Binary;
using System.Text;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Tests.Support;

namespace SshMux.Ssh.Tests.Auth;

public class AuthPartsTests
{
    [Theory]
    [InlineData("plain text\n", "plain text\n")]
    [InlineData("dos\r\nlines\r\n", "dos\nlines\n")]
    [InlineData("lone\rcr", "lone\\x0Dcr")]
    [InlineData("\u001b]0;title\u0007", "\\x1B]0;title\\x07")]
    [InlineData("del\u007f c1\u009b", "del\\x7F c1\\x9B")]
    [InlineData("tab\tkept", "tab\tkept")]
    [InlineData("\u202eevil\u202c \u2066iso\u2069 \u200f", "\\u202Eevil\\u202C \\u2066iso\\u2069 \\u200F")]
    [InlineData("caf\u00e9 \U0001F600 \u4e2d", "caf\u00e9 \U0001F600 \u4e2d")]
    public void BannerTextShowsControlCharactersAsEscapes(string input, string expected) =>
        Assert.Equal(expected, BannerText.Sanitize(input));

    [Fact]
    public void BannerTextEscapesLoneSurrogates() =>
        Assert.Equal("lone \\uD800 x \\uDC00", BannerText.Sanitize("lone \ud800 x \udc00"));

    [Fact]
    public void BannerTextIsCut()
    {
        var text = BannerText.Sanitize(new string('a', BannerText.MaxLength * 2));
        Assert.Equal(BannerText.MaxLength, text.Length);
    }

    /// <summary>
    /// The signed data byte for byte, written out field by field from RFC 4252 section 7 and
    /// OpenSSH PROTOCOL 3.1 rather than with the writer the implementation uses.
    /// </summary>
    [Theory]
    [InlineData("publickey")]
    [InlineData("publickey-hostbound-v00@openssh.com")]
    public void SignedDataFollowsTheSpecificationLayout(string method)
    {
        var sessionId = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var blob = new byte[] { 0xde, 0xad, 0xbe, 0xef };
        var hostKey = new byte[] { 0xca, 0xfe };
        var expected = new List<byte>();
        void Str(byte[] s)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)s.Length);
            expected.AddRange(length);
            expected.AddRange(s);
        }

        Str(sessionId);
        expected.Add(50);
        Str(Encoding.UTF8.GetBytes("\u00fcser"));
        Str("ssh-connection"u8.ToArray());
        Str(Encoding.ASCII.GetBytes(method));
        expected.Add(1);
        Str("ssh-ed25519"u8.ToArray());
        Str(blob);
        if (method != "publickey")
        {
            Str(hostKey);
        }

        var actual = PublicKeyAuthData.BuildSignedData(sessionId, "\u00fcser", "ssh-connection", method, "ssh-ed25519", blob, hostKey);

        Assert.Equal(expected.ToArray(), actual);
    }

    [Theory]
    [InlineData("ssh-ed25519", "ssh-ed25519", false)]
    [InlineData("rsa-sha2-512", "rsa-sha2-512", false)]
    [InlineData("rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-512", true)]
    [InlineData("ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384", true)]
    [InlineData("-cert-v01@openssh.com", "-cert-v01@openssh.com", false)]
    public void CertificateNamesMapToTheirSignatureAlgorithm(string algorithm, string signature, bool certificate)
    {
        Assert.Equal(certificate, PublicKeyAlgorithms.IsCertificate(algorithm));
        Assert.Equal(signature, PublicKeyAlgorithms.SignatureAlgorithmOf(algorithm));
    }

    [Fact]
    public void RequestAlgorithmForCertificatesCarriesTheRsaHash()
    {
        Assert.Equal("rsa-sha2-256-cert-v01@openssh.com", PublicKeyAlgorithms.RequestAlgorithmFor("ssh-rsa-cert-v01@openssh.com", "rsa-sha2-256"));
        Assert.Equal("rsa-sha2-512", PublicKeyAlgorithms.RequestAlgorithmFor("ssh-rsa", "rsa-sha2-512"));
        Assert.DoesNotContain("ssh-rsa", PublicKeyAlgorithms.Default);
    }

    [Fact]
    public async Task PrivateKeyIdentitySignsWithTheRequestedAlgorithmOnly()
    {
        var key = TestKeys.ForKeyType("ssh-rsa");
        using var identity = new PrivateKeyIdentity(key, "id_rsa");
        var data = "data"u8.ToArray();

        var signature = await identity.SignAsync("rsa-sha2-256", data, CancellationToken.None);

        Assert.True(key.PublicKey.Verify("rsa-sha2-256", data, signature));
        Assert.False(key.PublicKey.Verify("rsa-sha2-512", data, signature));
        await Assert.ThrowsAsync<ArgumentException>(async () => await identity.SignAsync("ssh-ed25519", data, CancellationToken.None));
        Assert.Equal("ssh-rsa", identity.KeyType);
        Assert.True(identity.PublicKeyBlob.Span.SequenceEqual(key.PublicKey.Blob.Span));
        Assert.Contains("id_rsa", identity.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void PrivateKeyIdentityWithCertificate()
    {
        var key = TestKeys.ForKeyType("ssh-ed25519");
        var cert = new byte[] { 1, 2, 3 };
        var identity = new PrivateKeyIdentity(key, cert, "ssh-ed25519-cert-v01@openssh.com");

        Assert.Equal("ssh-ed25519-cert-v01@openssh.com", identity.KeyType);
        Assert.Equal(cert, identity.PublicKeyBlob.ToArray());
        Assert.Equal(key.PublicKey, identity.PublicKey);
        Assert.Throws<ArgumentException>(() => new PrivateKeyIdentity(key, cert, "ssh-ed25519"));
        Assert.Throws<ArgumentException>(() => new PrivateKeyIdentity(key, ReadOnlyMemory<byte>.Empty, "ssh-ed25519-cert-v01@openssh.com"));
    }

    [Fact]
    public void OwnedKeyIsDisposedWithTheIdentity()
    {
        var key = SshPrivateKey.Generate("ssh-ed25519");
        new PrivateKeyIdentity(key, ownsKey: true).Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign("ssh-ed25519", "x"u8));
    }

    [Fact]
    public void PermissionDeniedMessageListsWhatWasTried()
    {
        var error = new SshAuthenticationException("ann", ["publickey", "password"], ["none", "publickey ssh-ed25519 SHA256:x"], [], "Note.");

        Assert.Equal("Permission denied (publickey,password) for user \"ann\". Tried: none; publickey ssh-ed25519 SHA256:x. Note.", error.Message);
        Assert.Equal(DisconnectReason.NoMoreAuthMethodsAvailable, error.Reason);
    }

    [Fact]
    public async Task PublicKeyListAuthenticatorKeepsPerUserKeysToTheirUser()
    {
        var any = TestKeys.ForKeyType("ssh-ed25519").PublicKey;
        var mine = TestKeys.ForKeyType("ecdsa-sha2-nistp256").PublicKey;
        var authenticator = new PublicKeyListAuthenticator([any]);
        authenticator.Add("me", mine);
        await using var pair = await TransportPair.StartAsync();

        async Task<AuthOutcome> Check(string user, SshPublicKey key, string? algorithm = null) =>
            (await authenticator.CheckPublicKeyAsync(new ServerAuthContext(user, [], pair.Server), new PublicKeyRequest(algorithm ?? key.KeyType, key.Blob, algorithm is null ? key : null, false), CancellationToken.None)).Outcome;

        Assert.Equal(AuthOutcome.Success, await Check("anyone", any));
        Assert.Equal(AuthOutcome.Success, await Check("me", mine));
        Assert.Equal(AuthOutcome.Failure, await Check("you", mine));
        Assert.Equal(AuthOutcome.Failure, await Check("me", any, "ssh-ed25519-cert-v01@openssh.com"));
        Assert.Equal(["publickey"], await authenticator.GetMethodsAsync(new ServerAuthContext("x", [], pair.Server), CancellationToken.None));
    }
}
