using System.Numerics;
using System.Security.Cryptography;
using SshMux.Ssh.Crypto;

namespace SshMux.Ssh.Tests.Crypto;

public class X25519Tests
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;

    private static byte[] Hex(string s) => Convert.FromHexString(s);

    private static byte[] Mult(byte[] scalar, byte[] u)
    {
        var result = new byte[32];
        X25519.ScalarMult(scalar, u, result);
        return result;
    }

    private static byte[] MultBase(byte[] scalar)
    {
        var result = new byte[32];
        X25519.ScalarMultBase(scalar, result);
        return result;
    }

    private static byte[] ULittleEndian(BigInteger u) => u.ToByteArray(isUnsigned: true, isBigEndian: false).Concat(new byte[32]).Take(32).ToArray();

    // RFC 7748 section 5.2, the two single-multiplication vectors.
    [Theory]
    [InlineData(
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")]
    [InlineData(
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")]
    public void Rfc7748_Section5_2_Vectors(string scalar, string u, string expected)
    {
        Assert.Equal(expected, Convert.ToHexStringLower(Mult(Hex(scalar), Hex(u))));
    }

    // RFC 7748 section 5.2 iterated test: k = u = 9, then repeatedly k, u = X25519(k, u), k.
    // The 1,000,000-iteration vector (7c3911e0...) is left out: at roughly 50 us per multiplication
    // it would take close to a minute, too long for the routine test run.
    [Fact]
    public void Rfc7748_Section5_2_Iterated_1_And_1000()
    {
        byte[] k = new byte[32];
        k[0] = 9;
        byte[] u = (byte[])k.Clone();
        var next = new byte[32];
        for (int i = 1; i <= 1000; i++)
        {
            X25519.ScalarMult(k, u, next);
            (u, k, next) = (k, next, u);
            if (i == 1)
            {
                Assert.Equal("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", Convert.ToHexStringLower(k));
            }
        }

        Assert.Equal("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", Convert.ToHexStringLower(k));
    }

    // RFC 7748 section 6.1.
    [Fact]
    public void Rfc7748_Section6_1_DiffieHellman()
    {
        byte[] alicePrivate = Hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPrivate = Hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        const string AlicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
        const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
        const string Shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

        byte[] nine = new byte[32];
        nine[0] = 9;
        Assert.Equal(AlicePublic, Convert.ToHexStringLower(MultBase(alicePrivate)));
        Assert.Equal(AlicePublic, Convert.ToHexStringLower(Mult(alicePrivate, nine)));
        Assert.Equal(BobPublic, Convert.ToHexStringLower(MultBase(bobPrivate)));
        Assert.Equal(BobPublic, Convert.ToHexStringLower(Mult(bobPrivate, nine)));

        var aliceShared = new byte[32];
        var bobShared = new byte[32];
        Assert.True(X25519.TryScalarMult(alicePrivate, Hex(BobPublic), aliceShared));
        Assert.True(X25519.TryScalarMult(bobPrivate, Hex(AlicePublic), bobShared));
        Assert.Equal(Shared, Convert.ToHexStringLower(aliceShared));
        Assert.Equal(Shared, Convert.ToHexStringLower(bobShared));
    }

    [Fact]
    public void OpenSsl_Generated_Vectors_Match()
    {
        int count = 0;
        foreach (string[] v in CurveVectorFile.Get("x25519"))
        {
            Assert.Equal(v[2], Convert.ToHexStringLower(Mult(Hex(v[0]), Hex(v[1]))));
            count++;
        }

        Assert.True(count >= 100, $"expected the generated x25519 vectors, found {count}");
    }

    [Fact]
    public void ScalarMultBase_Agrees_With_Ladder_On_Nine()
    {
        byte[] nine = new byte[32];
        nine[0] = 9;
        var scalar = new byte[32];
        for (int i = 0; i < 64; i++)
        {
            RandomNumberGenerator.Fill(scalar);
            Assert.Equal(Mult(scalar, nine), MultBase(scalar));
        }
    }

    [Fact]
    public void Random_Key_Agreement_Is_Symmetric()
    {
        var a = new byte[32];
        var b = new byte[32];
        for (int i = 0; i < 32; i++)
        {
            RandomNumberGenerator.Fill(a);
            RandomNumberGenerator.Fill(b);
            Assert.Equal(Mult(a, MultBase(b)), Mult(b, MultBase(a)));
        }
    }

    [Fact]
    public void Bit_255_Of_U_Is_Ignored()
    {
        byte[] scalar = Hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
        byte[] u = Hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
        byte[] expected = Mult(scalar, u);
        u[31] |= 0x80;
        Assert.Equal(expected, Mult(scalar, u));
    }

    [Fact]
    public void NonCanonical_U_Is_Reduced_Mod_P()
    {
        // RFC 7748 section 5: non-canonical u in [p, 2^255) must be accepted and act as u - p.
        byte[] scalar = new byte[32];
        RandomNumberGenerator.Fill(scalar);
        Assert.Equal(Mult(scalar, ULittleEndian(5)), Mult(scalar, ULittleEndian(P + 5)));
    }

    // u-coordinates of points of order 1, 2, 4 and 8 on the curve and its twist, canonical and not:
    // a clamped scalar (a multiple of 8) sends every one of them to 0 (RFC 7748 section 6.1).
    public static TheoryData<string> SmallOrderPoints() => new()
    {
        "0",
        "1",
        "325606250916557431795983626356110631294008115727848805560023387167927233504",
        "39382357235489614581723060781553021112529911719440698176882885853963445705823",
        "57896044618658097711785492504343953926634992332820282019728792003956564819948", // p - 1
        "57896044618658097711785492504343953926634992332820282019728792003956564819949", // p
        "57896044618658097711785492504343953926634992332820282019728792003956564819950", // p + 1
    };

    [Theory]
    [MemberData(nameof(SmallOrderPoints))]
    public void TryScalarMult_Rejects_Small_Order_Points(string uDecimal)
    {
        byte[] u = ULittleEndian(BigInteger.Parse(uDecimal, System.Globalization.CultureInfo.InvariantCulture));
        var scalar = new byte[32];
        RandomNumberGenerator.Fill(scalar);
        var result = new byte[32];
        result.AsSpan().Fill(0xAA);

        Assert.False(X25519.TryScalarMult(scalar, u, result));
        Assert.All(result, b => Assert.Equal(0, b));
    }

    [Fact]
    public void TryScalarMult_Accepts_An_Ordinary_Point()
    {
        var scalar = new byte[32];
        RandomNumberGenerator.Fill(scalar);
        byte[] peer = MultBase(Hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        var result = new byte[32];
        Assert.True(X25519.TryScalarMult(scalar, peer, result));
        Assert.Equal(Mult(scalar, peer), result);
    }

    [Fact]
    public void Wrong_Lengths_Throw_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => X25519.ScalarMult(new byte[31], new byte[32], new byte[32]));
        Assert.Throws<ArgumentException>(() => X25519.ScalarMult(new byte[32], new byte[33], new byte[32]));
        Assert.Throws<ArgumentException>(() => X25519.ScalarMult(new byte[32], new byte[32], new byte[31]));
        Assert.Throws<ArgumentException>(() => X25519.TryScalarMult(new byte[32], new byte[0], new byte[32]));
        Assert.Throws<ArgumentException>(() => X25519.ScalarMultBase(new byte[64], new byte[32]));
        Assert.Throws<ArgumentException>(() => X25519.ScalarMultBase(new byte[32], new byte[16]));
    }
}
