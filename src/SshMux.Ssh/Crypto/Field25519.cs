using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// An element of GF(2^255 - 19) in radix 2^51: value = L0 + L1*2^51 + L2*2^102 + L3*2^153 + L4*2^204.
/// Limbs are kept below 2^52 between operations (every operation below leaves them so), which
/// leaves Mul and Square room for 128-bit accumulation without overflow.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FieldElement
{
    internal ulong L0, L1, L2, L3, L4;

    internal FieldElement(ulong l0, ulong l1, ulong l2, ulong l3, ulong l4)
    {
        L0 = l0;
        L1 = l1;
        L2 = l2;
        L3 = l3;
        L4 = l4;
    }
}

/// <summary>
/// Constant-time arithmetic in GF(2^255 - 19), shared by X25519 (RFC 7748) and Ed25519 (RFC 8032).
/// Every routine here is free of secret-dependent branches and memory indices. Outputs may alias
/// inputs: each routine reads all of its inputs before it writes.
/// </summary>
[SkipLocalsInit]
internal static class Field25519
{
    private const ulong Mask51 = (1UL << 51) - 1;

    internal static FieldElement Zero => default;

    internal static FieldElement One => new(1, 0, 0, 0, 0);

    internal static FieldElement FromUInt(uint value) => new(value, 0, 0, 0, 0);

    /// <summary>Loads 32 little-endian bytes, ignoring bit 255 (RFC 7748 section 5, RFC 8032 section 5.1.3).
    /// Values in [p, 2^255) are accepted as they are and behave as their residue.</summary>
    internal static void FromBytes(out FieldElement r, ReadOnlySpan<byte> s)
    {
        r.L0 = BinaryPrimitives.ReadUInt64LittleEndian(s) & Mask51;
        r.L1 = (BinaryPrimitives.ReadUInt64LittleEndian(s[6..]) >> 3) & Mask51;
        r.L2 = (BinaryPrimitives.ReadUInt64LittleEndian(s[12..]) >> 6) & Mask51;
        r.L3 = (BinaryPrimitives.ReadUInt64LittleEndian(s[19..]) >> 1) & Mask51;
        r.L4 = (BinaryPrimitives.ReadUInt64LittleEndian(s[24..]) >> 12) & Mask51;
    }

    /// <summary>Writes the canonical (fully reduced, &lt; p) little-endian encoding.</summary>
    internal static void ToBytes(Span<byte> s, in FieldElement a)
    {
        ulong h0 = a.L0, h1 = a.L1, h2 = a.L2, h3 = a.L3, h4 = a.L4;

        // Two carry passes leave limbs below 2^51 except h0 < 2^51 + 19, so h < 2^255 + 19 < 2p and
        // one conditional subtraction of p finishes the reduction.
        for (int pass = 0; pass < 2; pass++)
        {
            h1 += h0 >> 51; h0 &= Mask51;
            h2 += h1 >> 51; h1 &= Mask51;
            h3 += h2 >> 51; h2 &= Mask51;
            h4 += h3 >> 51; h3 &= Mask51;
            h0 += 19 * (h4 >> 51); h4 &= Mask51;
        }

        // q = 1 exactly when h >= p, found by propagating the carry of h + 19 through all limbs.
        ulong q = (h0 + 19) >> 51;
        q = (h1 + q) >> 51;
        q = (h2 + q) >> 51;
        q = (h3 + q) >> 51;
        q = (h4 + q) >> 51;

        // h - q*p = h + 19q - q*2^255: add 19q and drop bit 255.
        h0 += 19 * q;
        h1 += h0 >> 51; h0 &= Mask51;
        h2 += h1 >> 51; h1 &= Mask51;
        h3 += h2 >> 51; h2 &= Mask51;
        h4 += h3 >> 51; h3 &= Mask51;
        h4 &= Mask51;

        BinaryPrimitives.WriteUInt64LittleEndian(s, h0 | (h1 << 51));
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], (h1 >> 13) | (h2 << 38));
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], (h2 >> 26) | (h3 << 25));
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], (h3 >> 39) | (h4 << 12));
    }

    /// <summary>One parallel carry step: limbs below 2^57 in, limbs below 2^51 + 2^11 out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Carry(out FieldElement r, ulong s0, ulong s1, ulong s2, ulong s3, ulong s4)
    {
        r.L0 = (s0 & Mask51) + (19 * (s4 >> 51));
        r.L1 = (s1 & Mask51) + (s0 >> 51);
        r.L2 = (s2 & Mask51) + (s1 >> 51);
        r.L3 = (s3 & Mask51) + (s2 >> 51);
        r.L4 = (s4 & Mask51) + (s3 >> 51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Add(out FieldElement r, in FieldElement a, in FieldElement b) =>
        Carry(out r, a.L0 + b.L0, a.L1 + b.L1, a.L2 + b.L2, a.L3 + b.L3, a.L4 + b.L4);

    /// <summary>r = a - b, computed as a + 4p - b so that no limb underflows (b's limbs are below 2^52).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Sub(out FieldElement r, in FieldElement a, in FieldElement b) =>
        Carry(
            out r,
            a.L0 + 0x1FFFFFFFFFFFB4 - b.L0,
            a.L1 + 0x1FFFFFFFFFFFFC - b.L1,
            a.L2 + 0x1FFFFFFFFFFFFC - b.L2,
            a.L3 + 0x1FFFFFFFFFFFFC - b.L3,
            a.L4 + 0x1FFFFFFFFFFFFC - b.L4);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Neg(out FieldElement r, in FieldElement a) => Sub(out r, Zero, a);

    internal static void Mul(out FieldElement r, in FieldElement a, in FieldElement b)
    {
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3, a4 = a.L4;
        ulong b0 = b.L0, b1 = b.L1, b2 = b.L2, b3 = b.L3, b4 = b.L4;

        // 2^255 = 19 (mod p): products that land at 2^255 and above fold back multiplied by 19.
        ulong b1x = 19 * b1, b2x = 19 * b2, b3x = 19 * b3, b4x = 19 * b4;

        UInt128 t0 = Math.BigMul(a0, b0) + Math.BigMul(a1, b4x) + Math.BigMul(a2, b3x) + Math.BigMul(a3, b2x) + Math.BigMul(a4, b1x);
        UInt128 t1 = Math.BigMul(a0, b1) + Math.BigMul(a1, b0) + Math.BigMul(a2, b4x) + Math.BigMul(a3, b3x) + Math.BigMul(a4, b2x);
        UInt128 t2 = Math.BigMul(a0, b2) + Math.BigMul(a1, b1) + Math.BigMul(a2, b0) + Math.BigMul(a3, b4x) + Math.BigMul(a4, b3x);
        UInt128 t3 = Math.BigMul(a0, b3) + Math.BigMul(a1, b2) + Math.BigMul(a2, b1) + Math.BigMul(a3, b0) + Math.BigMul(a4, b4x);
        UInt128 t4 = Math.BigMul(a0, b4) + Math.BigMul(a1, b3) + Math.BigMul(a2, b2) + Math.BigMul(a3, b1) + Math.BigMul(a4, b0);

        Reduce(out r, t0, t1, t2, t3, t4);
    }

    internal static void Square(out FieldElement r, in FieldElement a)
    {
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3, a4 = a.L4;
        ulong d0 = 2 * a0, d1 = 2 * a1, d2 = 2 * a2, d3 = 2 * a3;
        ulong a3x = 19 * a3, a4x = 19 * a4;

        UInt128 t0 = Math.BigMul(a0, a0) + Math.BigMul(d1, a4x) + Math.BigMul(d2, a3x);
        UInt128 t1 = Math.BigMul(d0, a1) + Math.BigMul(d2, a4x) + Math.BigMul(a3, a3x);
        UInt128 t2 = Math.BigMul(d0, a2) + Math.BigMul(a1, a1) + Math.BigMul(d3, a4x);
        UInt128 t3 = Math.BigMul(d0, a3) + Math.BigMul(d1, a2) + Math.BigMul(a4, a4x);
        UInt128 t4 = Math.BigMul(d0, a4) + Math.BigMul(d1, a3) + Math.BigMul(a2, a2);

        Reduce(out r, t0, t1, t2, t3, t4);
    }

    /// <summary>r = a^(2^n), n &gt;= 1.</summary>
    internal static void SquareTimes(out FieldElement r, in FieldElement a, int n)
    {
        Square(out r, a);
        for (int i = 1; i < n; i++)
        {
            Square(out r, r);
        }
    }

    /// <summary>Carries five 128-bit column sums (each below 2^115) into limbs below 2^51 + 2^13.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce(out FieldElement r, UInt128 t0, UInt128 t1, UInt128 t2, UInt128 t3, UInt128 t4)
    {
        ulong r0 = (ulong)t0 & Mask51;
        t1 += (ulong)(t0 >> 51);
        ulong r1 = (ulong)t1 & Mask51;
        t2 += (ulong)(t1 >> 51);
        ulong r2 = (ulong)t2 & Mask51;
        t3 += (ulong)(t2 >> 51);
        ulong r3 = (ulong)t3 & Mask51;
        t4 += (ulong)(t3 >> 51);
        ulong r4 = (ulong)t4 & Mask51;

        // t4 >> 51 is below 2^57, so 19 times it still fits in 64 bits.
        r0 += 19 * (ulong)(t4 >> 51);
        r1 += r0 >> 51;
        r0 &= Mask51;

        r.L0 = r0;
        r.L1 = r1;
        r.L2 = r2;
        r.L3 = r3;
        r.L4 = r4;
    }

    /// <summary>r = a * k for a small constant k &lt; 2^17 (the curve constants 121665 and 121666).</summary>
    internal static void MulSmall(out FieldElement r, in FieldElement a, uint k)
    {
        UInt128 t0 = Math.BigMul(a.L0, k);
        UInt128 t1 = Math.BigMul(a.L1, k);
        UInt128 t2 = Math.BigMul(a.L2, k);
        UInt128 t3 = Math.BigMul(a.L3, k);
        UInt128 t4 = Math.BigMul(a.L4, k);
        Reduce(out r, t0, t1, t2, t3, t4);
    }

    /// <summary>Returns z^(2^250 - 1) and z^11, the shared prefix of the inversion and square-root chains.</summary>
    private static void Pow2250Minus1(out FieldElement z2501, out FieldElement z11, in FieldElement z)
    {
        Square(out FieldElement z2, z);                 // 2
        SquareTimes(out FieldElement t, z2, 2);         // 8
        Mul(out FieldElement z9, t, z);                 // 9
        Mul(out z11, z9, z2);                           // 11
        Square(out t, z11);                             // 22
        Mul(out FieldElement z51, t, z9);               // 2^5 - 1
        SquareTimes(out t, z51, 5);
        Mul(out FieldElement z101, t, z51);             // 2^10 - 1
        SquareTimes(out t, z101, 10);
        Mul(out FieldElement z201, t, z101);            // 2^20 - 1
        SquareTimes(out t, z201, 20);
        Mul(out t, t, z201);                            // 2^40 - 1
        SquareTimes(out t, t, 10);
        Mul(out FieldElement z501, t, z101);            // 2^50 - 1
        SquareTimes(out t, z501, 50);
        Mul(out FieldElement z1001, t, z501);           // 2^100 - 1
        SquareTimes(out t, z1001, 100);
        Mul(out t, t, z1001);                           // 2^200 - 1
        SquareTimes(out t, t, 50);
        Mul(out z2501, t, z501);                        // 2^250 - 1
    }

    /// <summary>r = z^(p-2) = 1/z by Fermat's little theorem (0 maps to 0). Constant time.</summary>
    internal static void Invert(out FieldElement r, in FieldElement z)
    {
        Pow2250Minus1(out FieldElement t, out FieldElement z11, z);
        SquareTimes(out t, t, 5);                       // 2^255 - 32
        Mul(out r, t, z11);                             // 2^255 - 21 = p - 2
    }

    /// <summary>r = z^((p-5)/8) = z^(2^252 - 3), the square-root helper of RFC 8032 section 5.1.3.</summary>
    internal static void Pow22523(out FieldElement r, in FieldElement z)
    {
        Pow2250Minus1(out FieldElement t, out _, z);
        SquareTimes(out t, t, 2);                       // 2^252 - 4
        Mul(out r, t, z);                               // 2^252 - 3
    }

    /// <summary>r = mask ? a : r, where mask is all ones or all zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CMov(ref FieldElement r, in FieldElement a, ulong mask)
    {
        r.L0 ^= (r.L0 ^ a.L0) & mask;
        r.L1 ^= (r.L1 ^ a.L1) & mask;
        r.L2 ^= (r.L2 ^ a.L2) & mask;
        r.L3 ^= (r.L3 ^ a.L3) & mask;
        r.L4 ^= (r.L4 ^ a.L4) & mask;
    }

    /// <summary>Swaps a and b when mask is all ones; leaves them when it is zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CSwap(ref FieldElement a, ref FieldElement b, ulong mask)
    {
        ulong x0 = (a.L0 ^ b.L0) & mask;
        ulong x1 = (a.L1 ^ b.L1) & mask;
        ulong x2 = (a.L2 ^ b.L2) & mask;
        ulong x3 = (a.L3 ^ b.L3) & mask;
        ulong x4 = (a.L4 ^ b.L4) & mask;
        a.L0 ^= x0; b.L0 ^= x0;
        a.L1 ^= x1; b.L1 ^= x1;
        a.L2 ^= x2; b.L2 ^= x2;
        a.L3 ^= x3; b.L3 ^= x3;
        a.L4 ^= x4; b.L4 ^= x4;
    }

    /// <summary>The low bit of the canonical encoding: the "sign" of RFC 8032 section 5.1.2.</summary>
    internal static int IsNegative(in FieldElement a)
    {
        Span<byte> s = stackalloc byte[32];
        ToBytes(s, a);
        return s[0] & 1;
    }

    /// <summary>1 when a = 0 (mod p), else 0, without branching on a.</summary>
    internal static int IsZero(in FieldElement a)
    {
        Span<byte> s = stackalloc byte[32];
        ToBytes(s, a);
        int acc = 0;
        for (int i = 0; i < 32; i++)
        {
            acc |= s[i];
        }

        return (acc - 1) >>> 31;
    }

    internal static bool Equal(in FieldElement a, in FieldElement b)
    {
        Sub(out FieldElement d, a, b);
        return IsZero(d) == 1;
    }
}
