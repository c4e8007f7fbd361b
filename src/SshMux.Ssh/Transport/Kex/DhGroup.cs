using System.Numerics;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>A finite-field Diffie-Hellman group: a safe prime p and a generator g (both public).</summary>
internal sealed class DhGroup
{
    /// <summary>Security strength in bits by modulus size: NIST SP 800-57 part 1 and the RFC 8268 estimates.</summary>
    private static readonly (int Bits, int Strength)[] Strengths =
    [
        (2048, 112), (3072, 128), (4096, 152), (6144, 176), (7680, 192), (8192, 200),
    ];

    public DhGroup(ReadOnlySpan<byte> prime, ReadOnlySpan<byte> generator)
    {
        P = new BigInteger(prime, isUnsigned: true, isBigEndian: true);
        G = new BigInteger(generator, isUnsigned: true, isBigEndian: true);
        Prime = P.ToByteArray(isUnsigned: true, isBigEndian: true);
        Generator = G.ToByteArray(isUnsigned: true, isBigEndian: true);
        Modulus = new MontgomeryModulus(Prime);
    }

    public BigInteger P { get; }

    public BigInteger G { get; }

    /// <summary>p as an unsigned big-endian magnitude.</summary>
    public byte[] Prime { get; }

    public byte[] Generator { get; }

    public int Bits => Modulus.Bits;

    public MontgomeryModulus Modulus { get; }

    /// <summary>
    /// Private exponent length: twice the group's security strength, as RFC 8268 section 4
    /// (following RFC 3526 section 8) advises; a longer exponent costs time without adding strength.
    /// </summary>
    public int ExponentBits
    {
        get
        {
            var strength = Strengths[0].Strength;
            foreach (var (bits, s) in Strengths)
            {
                if (Bits >= bits)
                {
                    strength = s;
                }
            }

            return 2 * strength;
        }
    }

    /// <summary>RFC 8268 section 4 (correcting RFC 4253 section 8): a public value must satisfy 1 &lt; y &lt; p-1.</summary>
    public bool IsValidPublic(ReadOnlySpan<byte> magnitude)
    {
        var y = new BigInteger(magnitude, isUnsigned: true, isBigEndian: true);
        return y > BigInteger.One && y < P - BigInteger.One;
    }
}
