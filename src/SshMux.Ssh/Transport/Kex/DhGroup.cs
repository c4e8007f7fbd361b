using System.Numerics;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>A finite-field Diffie-Hellman group: a safe prime p and a generator g (both public).</summary>
internal sealed class DhGroup
{
    /// <summary>
    /// Security strength in bits by modulus size: NIST SP 800-57 part 1 table 2 for 2048, 3072
    /// and 7680 bits, with the customary interpolated estimates for the sizes in between.
    /// </summary>
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
        PrimeMinusOne = new byte[Modulus.ByteLength];
        (P - 1).TryWriteBytes(PrimeMinusOne, out _, isUnsigned: true, isBigEndian: true);
    }

    public BigInteger P { get; }

    public BigInteger G { get; }

    /// <summary>p as an unsigned big-endian magnitude.</summary>
    public byte[] Prime { get; }

    public byte[] Generator { get; }

    /// <summary>p-1 as a big-endian number of the modulus length, for the check on K.</summary>
    public byte[] PrimeMinusOne { get; }

    public int Bits => Modulus.Bits;

    public MontgomeryModulus Modulus { get; }

    /// <summary>
    /// Private exponent length: twice the group's security strength (RFC 3526 section 8 sizes
    /// exponents the same way); a longer exponent costs time without adding strength.
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
