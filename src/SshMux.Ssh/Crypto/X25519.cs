using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace SshMux.Ssh.Crypto;

/// <summary>X25519 Diffie-Hellman (RFC 7748), constant time in the scalar.</summary>
[SkipLocalsInit]
public static class X25519
{
    public const int KeySize = 32;

    /// <summary>(A - 2) / 4 for Montgomery's A = 486662 (RFC 7748 section 5: a24 = 121665).</summary>
    private const uint A24 = 121665;

    /// <summary>result = X25519(scalar, u). The scalar is clamped as RFC 7748 section 5 says.</summary>
    public static void ScalarMult(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> u, Span<byte> result)
    {
        CheckLength(scalar, nameof(scalar));
        CheckLength(u, nameof(u));
        CheckLength(result, nameof(result));

        Span<byte> k = stackalloc byte[KeySize];
        Clamp(scalar, k);
        Ladder(k, u, result);
        CryptographicOperations.ZeroMemory(k);
    }

    /// <summary>
    /// result = X25519(scalar, u), returning false when the result is all zeros, i.e. when u was a
    /// point of small order. RFC 7748 section 6.1 allows this check and RFC 8731 section 3 requires it
    /// of SSH key exchange. The check does not branch on the secret result.
    /// </summary>
    public static bool TryScalarMult(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> u, Span<byte> result)
    {
        ScalarMult(scalar, u, result);
        int acc = 0;
        for (int i = 0; i < KeySize; i++)
        {
            acc |= result[i];
        }

        // (acc - 1) >>> 31 is 1 exactly when acc == 0.
        return ((acc - 1) >>> 31) == 0;
    }

    /// <summary>result = X25519(scalar, 9): the public key of a private scalar.</summary>
    /// <remarks>
    /// Computed on the birationally equivalent Edwards curve with the constant-time fixed-base table
    /// (the clamped scalar is below 2^255 as that table needs), then mapped back with
    /// u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y) (RFC 7748 section 4.1); base point 9 corresponds to B.
    /// </remarks>
    public static void ScalarMultBase(ReadOnlySpan<byte> scalar, Span<byte> result)
    {
        CheckLength(scalar, nameof(scalar));
        CheckLength(result, nameof(result));

        Span<byte> k = stackalloc byte[KeySize];
        Clamp(scalar, k);
        Edwards25519BaseMult.ScalarMultBase(out GeP3 p, k);
        CryptographicOperations.ZeroMemory(k);

        Field25519.Add(out FieldElement num, p.Z, p.Y);
        Field25519.Sub(out FieldElement den, p.Z, p.Y);
        Field25519.Invert(out den, den);
        Field25519.Mul(out num, num, den);
        Field25519.ToBytes(result, num);
    }

    /// <summary>The Montgomery ladder of RFC 7748 section 5 on a clamped scalar, with masked swaps.</summary>
    private static void Ladder(ReadOnlySpan<byte> k, ReadOnlySpan<byte> u, Span<byte> result)
    {
        // FromBytes drops bit 255 of u, as section 5 requires; non-canonical u in [p, 2^255) reduces.
        Field25519.FromBytes(out FieldElement x1, u);
        FieldElement x2 = Field25519.One;
        FieldElement z2 = Field25519.Zero;
        FieldElement x3 = x1;
        FieldElement z3 = Field25519.One;
        ulong swap = 0;

        for (int t = 254; t >= 0; t--)
        {
            ulong bit = (ulong)(k[t >> 3] >> (t & 7)) & 1;
            swap ^= bit;
            ulong mask = 0UL - swap;
            Field25519.CSwap(ref x2, ref x3, mask);
            Field25519.CSwap(ref z2, ref z3, mask);
            swap = bit;

            Field25519.Add(out FieldElement a, x2, z2);
            Field25519.Square(out FieldElement aa, a);
            Field25519.Sub(out FieldElement b, x2, z2);
            Field25519.Square(out FieldElement bb, b);
            Field25519.Sub(out FieldElement e, aa, bb);
            Field25519.Add(out FieldElement c, x3, z3);
            Field25519.Sub(out FieldElement d, x3, z3);
            Field25519.Mul(out FieldElement da, d, a);
            Field25519.Mul(out FieldElement cb, c, b);

            Field25519.Add(out FieldElement sum, da, cb);
            Field25519.Square(out x3, sum);
            Field25519.Sub(out FieldElement diff, da, cb);
            Field25519.Square(out diff, diff);
            Field25519.Mul(out z3, x1, diff);
            Field25519.Mul(out x2, aa, bb);
            Field25519.MulSmall(out FieldElement t24, e, A24);
            Field25519.Add(out t24, aa, t24);
            Field25519.Mul(out z2, e, t24);
        }

        ulong finalMask = 0UL - swap;
        Field25519.CSwap(ref x2, ref x3, finalMask);
        Field25519.CSwap(ref z2, ref z3, finalMask);

        Field25519.Invert(out z2, z2);
        Field25519.Mul(out x2, x2, z2);
        Field25519.ToBytes(result, x2);
    }

    /// <summary>RFC 7748 section 5 decodeScalar25519: clear the low three bits and bit 255, set bit 254.</summary>
    private static void Clamp(ReadOnlySpan<byte> scalar, Span<byte> k)
    {
        scalar.CopyTo(k);
        k[0] &= 248;
        k[31] &= 127;
        k[31] |= 64;
    }

    private static void CheckLength(ReadOnlySpan<byte> value, string name)
    {
        if (value.Length != KeySize)
        {
            throw new ArgumentException($"Expected {KeySize} bytes, got {value.Length}.", name);
        }
    }
}
