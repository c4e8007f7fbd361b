using System.Numerics;
using SshMux.Ssh.Transport.Kex;

namespace SshMux.Ssh.Tests.Kex;

/// <summary>The RFC 3526 groups are the documented ones, not just any primes.</summary>
public class DhGroupsTests
{
    /// <summary>RFC 3526: bit size and the k of p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) pi) + k).</summary>
    public static TheoryData<int, int> Groups => new()
    {
        { 2048, 124476 },
        { 3072, 1690314 },
        { 4096, 240904 },
        { 6144, 929484 },
        { 8192, 4743158 },
    };

    [Theory]
    [MemberData(nameof(Groups))]
    public void PrimeIsTheRfc3526Construction(int bits, int k)
    {
        var group = DhGroups.All.Single(g => g.Bits == bits);
        var expected = BigInteger.Pow(2, bits) - BigInteger.Pow(2, bits - 64) - 1
            + (BigInteger.Pow(2, 64) * (PiTimesPowerOfTwo(bits - 130) + k));
        Assert.Equal(expected, group.P);
        Assert.Equal(bits, (int)group.P.GetBitLength());
        Assert.Equal(new BigInteger(2), group.G);
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void PrimeHasTheSafePrimeShape(int bits, int k)
    {
        _ = k;
        var p = DhGroups.All.Single(g => g.Bits == bits).P;

        // p = 2q + 1 with q odd; p = 7 mod 8 so that 2 generates the order-q subgroup (RFC 3526 section 1).
        var q = (p - 1) / 2;
        Assert.Equal(p, (2 * q) + 1);
        Assert.False(q.IsEven);
        Assert.Equal(7, (int)(p % 8));

        // 2 is a quadratic residue, so g = 2 has order q: 2^q = 1 mod p (which is also a base-2 Fermat test of p).
        Assert.Equal(BigInteger.One, BigInteger.ModPow(2, q, p));

        // A Fermat witness for q as well, on the sizes where that is cheap (full primality is the RFC's claim).
        if (bits <= 3072)
        {
            Assert.Equal(BigInteger.One, BigInteger.ModPow(3, q - 1, q));
        }
    }

    [Fact]
    public void ExponentIsTwiceTheSecurityStrength()
    {
        Assert.Equal(224, DhGroups.Group14.ExponentBits);
        Assert.Equal(256, DhGroups.Modp3072.ExponentBits);
        Assert.Equal(304, DhGroups.Group16.ExponentBits);
        Assert.Equal(352, DhGroups.Modp6144.ExponentBits);
        Assert.Equal(400, DhGroups.Group18.ExponentBits);
    }

    [Fact]
    public void FixedExponentKeyMatchesModPow()
    {
        var fixedExponent = new byte[28];
        fixedExponent[0] = 0x80;
        fixedExponent[^1] = 0x07;
        using var pair = DhKeyPair.Generate(DhGroups.Group14, fixedExponent);
        var x = new BigInteger(fixedExponent, isUnsigned: true, isBigEndian: true);
        Assert.Equal(BigInteger.ModPow(2, x, DhGroups.Group14.P), new BigInteger(pair.PublicValue, isUnsigned: true, isBigEndian: true));
    }

    [Fact]
    public void PublicValueRangeIsOpen()
    {
        var g = DhGroups.Group14;
        Assert.False(g.IsValidPublic([]));
        Assert.False(g.IsValidPublic([1]));
        Assert.True(g.IsValidPublic([2]));
        Assert.True(g.IsValidPublic((g.P - 2).ToByteArray(isUnsigned: true, isBigEndian: true)));
        Assert.False(g.IsValidPublic((g.P - 1).ToByteArray(isUnsigned: true, isBigEndian: true)));
        Assert.False(g.IsValidPublic(g.Prime));
    }

    [Fact]
    public void DegenerateSharedSecretsAreRefused()
    {
        // A composite "prime", as a dishonest group-exchange server could send: with p = m*n and
        // f = 1 mod m, -1 mod n, f^2 = 1, so any even exponent gives K = 1; with p = m^2 and f = m, K = 0.
        var m = DhGroups.Group14.P;
        var n = DhGroups.Modp3072.P;
        var evenExponent = new byte[28];
        evenExponent[0] = 0x80;
        evenExponent[^1] = 0x02;

        var product = m * n;
        var f = (BigInteger.ModPow(n, -1 + (m - 1), m) * n) - (BigInteger.ModPow(m, -1 + (n - 1), n) * m);
        f = ((f % product) + product) % product;
        Assert.Equal(BigInteger.One, BigInteger.ModPow(f, 2, product));
        AssertDegenerate(product, f, evenExponent);

        AssertDegenerate(m * m, m, evenExponent);

        static void AssertDegenerate(BigInteger p, BigInteger f, byte[] exponent)
        {
            var group = new DhGroup(p.ToByteArray(isUnsigned: true, isBigEndian: true), [2]);
            using var pair = DhKeyPair.Generate(group, exponent);
            var e = Assert.Throws<SshException>(() => pair.Agree(f.ToByteArray(isUnsigned: true, isBigEndian: true), "test", "server"));
            Assert.Equal(DisconnectReason.KeyExchangeFailed, e.Reason);
            Assert.Contains("degenerate", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>floor(pi * 2^bits) from Machin's formula pi = 16 atan(1/5) - 4 atan(1/239), with guard bits.</summary>
    private static BigInteger PiTimesPowerOfTwo(int bits)
    {
        var one = BigInteger.One << (bits + 64);
        var pi = (16 * AtanInverse(5, one)) - (4 * AtanInverse(239, one));
        return pi >> 64;
    }

    private static BigInteger AtanInverse(int x, BigInteger one)
    {
        var term = one / x;
        var sum = term;
        var xSquared = x * x;
        var n = 1;
        var sign = -1;
        while (!term.IsZero)
        {
            term /= xSquared;
            n += 2;
            sum += sign * (term / n);
            sign = -sign;
        }

        return sum;
    }
}
