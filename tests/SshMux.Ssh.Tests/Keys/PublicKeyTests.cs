using System.Security.Cryptography;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Keys;

public class PublicKeyTests
{
    public static TheoryData<string> KeyTypes() =>
        new("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa");

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void GeneratedKeysSignAndVerifyWithEveryAlgorithm(string type)
    {
        using var key = SshPrivateKey.Generate(type, rsaBits: 2048);
        Assert.Equal(type, key.KeyType);
        var data = RandomNumberGenerator.GetBytes(100);
        var parsed = SshPublicKey.FromBlob(key.PublicKey.Blob.Span);
        Assert.Equal(key.PublicKey, parsed);

        foreach (var algorithm in key.PublicKey.SignatureAlgorithms)
        {
            var signature = key.Sign(algorithm, data);
            var reader = new SshReader(signature);
            Assert.Equal(algorithm, reader.ReadAsciiString());
            Assert.True(parsed.Verify(algorithm, data, signature));

            data[5] ^= 0x40;
            Assert.False(parsed.Verify(algorithm, data, signature));
            data[5] ^= 0x40;

            var corrupted = signature.ToArray();
            corrupted[^1] ^= 1;
            Assert.False(parsed.Verify(algorithm, data, corrupted));

            // Trailing bytes after the signature blob are not accepted.
            Assert.False(parsed.Verify(algorithm, data, [.. signature, 0]));
        }

        Assert.Throws<ArgumentException>(() => key.Sign("ssh-dss", data));
    }

    [Fact]
    public void GeneratedKeysAreFreshAndTheRequestedSize()
    {
        using var a = SshPrivateKey.Generate("ssh-ed25519");
        using var b = SshPrivateKey.Generate("ssh-ed25519");
        Assert.NotEqual(a.PublicKey, b.PublicKey);

        using var rsa = SshPrivateKey.Generate("ssh-rsa", 2048);
        Assert.Equal(2048, rsa.PublicKey.KeySize);
        using var p521 = SshPrivateKey.Generate("ecdsa-sha2-nistp521");
        Assert.Equal(521, p521.PublicKey.KeySize);
    }

    [Fact]
    public void GenerateRefusesWeakOrUnknownKeys()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SshPrivateKey.Generate("ssh-rsa", 1024));
        Assert.Contains("2048", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SshPrivateKey.Generate("ssh-dss"));
        Assert.Throws<ArgumentException>(() => SshPrivateKey.Generate("rsa-sha2-256"));
    }

    [Fact]
    public void EqualityIsByBlob()
    {
        using var key = SshPrivateKey.Generate("ecdsa-sha2-nistp256");
        var again = SshPublicKey.FromBlob(key.PublicKey.Blob.Span);
        Assert.True(key.PublicKey == again);
        Assert.False(key.PublicKey != again);
        Assert.Equal(key.PublicKey.GetHashCode(), again.GetHashCode());
        Assert.True(key.PublicKey.Equals((object)again));

        using var other = SshPrivateKey.Generate("ecdsa-sha2-nistp256");
        Assert.NotEqual(key.PublicKey, other.PublicKey);
        Assert.False(key.PublicKey.Equals(null));
        Assert.Single(new HashSet<SshPublicKey> { key.PublicKey, again });
    }

    [Fact]
    public void SignatureFromAnotherKeyOrAlgorithmDoesNotVerify()
    {
        using var ed = SshPrivateKey.Generate("ssh-ed25519");
        using var p256 = SshPrivateKey.Generate("ecdsa-sha2-nistp256");
        using var rsa = SshPrivateKey.Generate("ssh-rsa", 2048);
        var data = "data"u8.ToArray();

        Assert.False(ed.PublicKey.Verify("ecdsa-sha2-nistp256", data, p256.Sign("ecdsa-sha2-nistp256", data)));
        Assert.False(p256.PublicKey.Verify("ssh-ed25519", data, ed.Sign("ssh-ed25519", data)));

        // An rsa-sha2-256 signature is not accepted when rsa-sha2-512 (or ssh-rsa) was negotiated.
        var sha256 = rsa.Sign("rsa-sha2-256", data);
        Assert.True(rsa.PublicKey.Verify("rsa-sha2-256", data, sha256));
        Assert.False(rsa.PublicKey.Verify("rsa-sha2-512", data, sha256));
        Assert.False(rsa.PublicKey.Verify("ssh-rsa", data, sha256));

        // The same raw RSA signature relabelled as another algorithm fails too.
        var reader = new SshReader(sha256);
        reader.ReadBinary();
        var raw = reader.ReadBinary().ToArray();
        var relabelled = Blob(w => w.WriteString("rsa-sha2-512").WriteBinary(raw));
        Assert.False(rsa.PublicKey.Verify("rsa-sha2-512", data, relabelled));
    }

    [Fact]
    public void MalformedSignatureBlobsAreFalseNotExceptions()
    {
        using var p384 = SshPrivateKey.Generate("ecdsa-sha2-nistp384");
        using var ed = SshPrivateKey.Generate("ssh-ed25519");
        var data = "data"u8.ToArray();
        var good = p384.Sign("ecdsa-sha2-nistp384", data);
        for (var length = 0; length < good.Length; length++)
        {
            Assert.False(p384.PublicKey.Verify("ecdsa-sha2-nistp384", data, good.AsSpan(0, length)));
        }

        // r with 49 bytes (longer than the field), a negative s, and a missing s.
        var big = new byte[49];
        big[0] = 1;
        Assert.False(p384.PublicKey.Verify("ecdsa-sha2-nistp384", data,
            Blob(w => w.WriteString("ecdsa-sha2-nistp384").WriteBinary(Blob(i => i.WriteUnsignedMPInt(big).WriteUnsignedMPInt([1]))))));
        Assert.False(p384.PublicKey.Verify("ecdsa-sha2-nistp384", data,
            Blob(w => w.WriteString("ecdsa-sha2-nistp384").WriteBinary(Blob(i => i.WriteUnsignedMPInt([1]).WriteMPInt(-1))))));
        Assert.False(p384.PublicKey.Verify("ecdsa-sha2-nistp384", data,
            Blob(w => w.WriteString("ecdsa-sha2-nistp384").WriteBinary(Blob(i => i.WriteUnsignedMPInt([1]))))));

        var edSignature = ed.Sign("ssh-ed25519", data);
        Assert.False(ed.PublicKey.Verify("ssh-ed25519", data, edSignature.AsSpan(0, edSignature.Length - 1)));
        Assert.False(ed.PublicKey.Verify("ssh-ed25519", data, Blob(w => w.WriteString("ssh-ed25519").WriteBinary(new byte[65]))));
    }

    [Fact]
    public void ShortRsaSignaturesAreLeftPaddedLikeOpenSsh()
    {
        // OpenSSH's ssh-rsa.c accepts a signature shorter than the modulus by left-padding it
        // (some implementations strip leading zero bytes). Find a signature starting with 0x00.
        using var rsa = SshPrivateKey.Generate("ssh-rsa", 2048);
        for (var i = 0; i < 2000; i++)
        {
            var data = BitConverter.GetBytes(i);
            var blob = rsa.Sign("rsa-sha2-256", data);
            var reader = new SshReader(blob);
            reader.ReadBinary();
            var raw = reader.ReadBinary().ToArray();
            if (raw[0] != 0)
            {
                continue;
            }

            var stripped = Blob(w => w.WriteString("rsa-sha2-256").WriteBinary(raw.AsSpan(1)));
            Assert.True(rsa.PublicKey.Verify("rsa-sha2-256", data, stripped));
            var longer = Blob(w => w.WriteString("rsa-sha2-256").WriteBinary([0, .. raw]));
            Assert.False(rsa.PublicKey.Verify("rsa-sha2-256", data, longer));
            return;
        }

        Assert.Fail("no signature with a leading zero byte in 2000 tries");
    }

    [Fact]
    public void BlobWithTrailingBytesIsRejected()
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        var e = Assert.Throws<SshException>(() => SshPublicKey.FromBlob([.. key.PublicKey.Blob.Span, 0]));
        Assert.Contains("trailing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void EveryTruncationIsAnSshException(string type)
    {
        using var key = SshPrivateKey.Generate(type, rsaBits: 2048);
        var blob = key.PublicKey.Blob.ToArray();
        for (var length = 0; length < blob.Length; length++)
        {
            Assert.Throws<SshException>(() => SshPublicKey.FromBlob(blob.AsSpan(0, length)));
        }
    }

    [Fact]
    public void UnknownTypeIsNamed()
    {
        var e = Assert.Throws<SshException>(() => SshPublicKey.FromBlob(Blob(w => w.WriteString("ssh-dss").WriteMPInt(1))));
        Assert.Contains("ssh-dss", e.Message, StringComparison.Ordinal);
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(Blob(w => w.WriteString("sk-ssh-ed25519@openssh.com"))));
    }

    [Fact]
    public void EcdsaPointOffTheCurveIsRejected()
    {
        using var key = SshPrivateKey.Generate("ecdsa-sha2-nistp256");
        var point = ((EcdsaPublicKey)key.PublicKey).ExportParameters().Q;
        point.Y![^1] ^= 1;
        var e = Assert.Throws<SshException>(() => SshPublicKey.FromBlob(EcdsaBlob("ecdsa-sha2-nistp256", "nistp256", [4, .. point.X!, .. point.Y])));
        Assert.Contains("not on the nistp256 curve", e.Message, StringComparison.Ordinal);

        // x = p (a non-canonical coordinate) and the all-zero point.
        var prime = Convert.FromHexString("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(EcdsaBlob("ecdsa-sha2-nistp256", "nistp256", [4, .. prime, .. point.Y])));
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(EcdsaBlob("ecdsa-sha2-nistp256", "nistp256", [4, .. new byte[64]])));
    }

    [Fact]
    public void EcdsaEncodingMistakesAreRejected()
    {
        using var key = SshPrivateKey.Generate("ecdsa-sha2-nistp384");
        var q = ((EcdsaPublicKey)key.PublicKey).ExportParameters().Q;
        byte[] point = [4, .. q.X!, .. q.Y!];
        Assert.Equal(key.PublicKey, SshPublicKey.FromBlob(EcdsaBlob("ecdsa-sha2-nistp384", "nistp384", point)));

        var mismatch = Assert.Throws<SshException>(() => SshPublicKey.FromBlob(EcdsaBlob("ecdsa-sha2-nistp384", "nistp256", point)));
        Assert.Contains("curve identifier", mismatch.Message, StringComparison.Ordinal);

        // Compressed points (0x02/0x03 || X) are not used by RFC 5656.
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(EcdsaBlob("ecdsa-sha2-nistp384", "nistp384", [(byte)(2 + (q.Y![^1] & 1)), .. q.X!])));
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(EcdsaBlob("ecdsa-sha2-nistp384", "nistp384", [5, .. q.X!, .. q.Y!])));
    }

    [Fact]
    public void Ed25519KeyMustBeACurvePoint()
    {
        // y = 3 decodes (x^2 = (y^2-1)/(d y^2+1) is a square); y = 2 does not. y = p is
        // non-canonical, and y = 1 with the sign bit set would be "negative zero".
        Assert.Equal(256, SshPublicKey.FromBlob(Ed25519Blob(LittleEndian(3))).KeySize);

        var notOnCurve = Assert.Throws<SshException>(() => SshPublicKey.FromBlob(Ed25519Blob(LittleEndian(2))));
        Assert.Contains("not a point on the curve", notOnCurve.Message, StringComparison.Ordinal);

        var p = LittleEndian(0);
        p.AsSpan().Fill(0xff);
        p[0] = 0xed;
        p[31] = 0x7f;
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(Ed25519Blob(p)));

        var negativeZero = LittleEndian(1);
        negativeZero[31] |= 0x80;
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(Ed25519Blob(negativeZero)));

        var wrongLength = Assert.Throws<SshException>(() => SshPublicKey.FromBlob(Blob(w => w.WriteString("ssh-ed25519").WriteBinary(new byte[31]))));
        Assert.Contains("31 bytes", wrongLength.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RsaKeysUnder1024BitsAreRejectedClearly()
    {
        // 1024 bits is OpenSSH's floor; the modulus need not be a real RSA modulus for the size check.
        var modulus1023 = RandomNumberGenerator.GetBytes(128);
        modulus1023[0] = 0x40;
        modulus1023[^1] |= 1;
        var e = Assert.Throws<SshException>(() => SshPublicKey.FromBlob(RsaBlob([1, 0, 1], modulus1023)));
        Assert.Contains("too small: 1023 bits", e.Message, StringComparison.Ordinal);

        using var rsa1024 = RSA.Create(1024);
        var parameters = rsa1024.ExportParameters(false);
        var key = SshPublicKey.FromBlob(RsaBlob(parameters.Exponent!, parameters.Modulus!));
        Assert.Equal(1024, key.KeySize);

        // An even exponent or modulus is not RSA.
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(RsaBlob([1, 0, 0], parameters.Modulus!)));
        var even = parameters.Modulus!.ToArray();
        even[^1] &= 0xfe;
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(RsaBlob([1, 0, 1], even)));
    }

    [Fact]
    public void NonMinimalMPIntIsRejected()
    {
        using var rsa = RSA.Create(2048);
        var parameters = rsa.ExportParameters(false);
        var blob = Blob(w => w.WriteString("ssh-rsa").WriteBinary([0, 0, 1, 0, 1]).WriteUnsignedMPInt(parameters.Modulus!));
        Assert.Throws<SshException>(() => SshPublicKey.FromBlob(blob));
    }

    [Fact]
    public void DisposedKeyCannotSign()
    {
        var key = SshPrivateKey.Generate("ssh-ed25519");
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign("ssh-ed25519", "x"u8));
    }

    internal static byte[] Blob(Action<SshWriter> write)
    {
        using var writer = new SshWriter();
        write(writer);
        return writer.ToArray();
    }

    private static byte[] EcdsaBlob(string type, string curve, byte[] point) =>
        Blob(w => w.WriteString(type).WriteString(curve).WriteBinary(point));

    private static byte[] Ed25519Blob(byte[] key) => Blob(w => w.WriteString("ssh-ed25519").WriteBinary(key));

    private static byte[] RsaBlob(byte[] exponent, byte[] modulus) =>
        Blob(w => w.WriteString("ssh-rsa").WriteUnsignedMPInt(exponent).WriteUnsignedMPInt(modulus));

    private static byte[] LittleEndian(byte value)
    {
        var bytes = new byte[32];
        bytes[0] = value;
        return bytes;
    }
}
