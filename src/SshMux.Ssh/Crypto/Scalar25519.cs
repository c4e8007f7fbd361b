using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// Arithmetic modulo the group order L = 2^252 + 27742317777372353535851937790883648493
/// (RFC 8032 section 5.1), on 32-byte little-endian scalars. Constant time: the secret scalar
/// and nonce of a signature pass through here.
/// </summary>
[SkipLocalsInit]
internal static class Scalar25519
{
    internal const int Size = 32;

    // L in little-endian 64-bit limbs (its third limb is zero).
    private const ulong L0 = 0x5812631A5CF5D3ED, L1 = 0x14DEF9DEA2F79CD6, L2 = 0, L3 = 0x1000000000000000;

    // mu = floor(2^512 / L), the Barrett constant for base b = 2^64, k = 4 (HAC algorithm 14.42).
    private const ulong Mu0 = 0xED9CE5A30A2C131B, Mu1 = 0x2106215D086329A7, Mu2 = 0xFFFFFFFFFFFFFFEB, Mu3 = 0xFFFFFFFFFFFFFFFF, Mu4 = 0xF;

    /// <summary>r = s mod L for a 64-byte little-endian s, e.g. a SHA-512 digest (RFC 8032 section 5.1.6 steps 2 and 4).</summary>
    internal static void Reduce(Span<byte> r, ReadOnlySpan<byte> s)
    {
        Span<ulong> x = stackalloc ulong[8];
        for (int i = 0; i < 8; i++)
        {
            x[i] = BinaryPrimitives.ReadUInt64LittleEndian(s[(8 * i)..]);
        }

        BarrettReduce(r, x);
        x.Clear();
    }

    /// <summary>r = (a * b + c) mod L for 32-byte a, b, c (RFC 8032 section 5.1.6 step 5: S = r + k * s).</summary>
    internal static void MulAdd(Span<byte> r, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c)
    {
        Span<ulong> al = stackalloc ulong[4];
        Span<ulong> bl = stackalloc ulong[4];
        for (int i = 0; i < 4; i++)
        {
            al[i] = BinaryPrimitives.ReadUInt64LittleEndian(a[(8 * i)..]);
            bl[i] = BinaryPrimitives.ReadUInt64LittleEndian(b[(8 * i)..]);
        }

        Span<ulong> x = stackalloc ulong[8];
        Multiply(x, al, bl);

        // a * b + c < 2^512 because a * b <= (2^256 - 1)^2 and c < 2^256.
        ulong carry = 0;
        for (int i = 0; i < 4; i++)
        {
            UInt128 t = (UInt128)x[i] + BinaryPrimitives.ReadUInt64LittleEndian(c[(8 * i)..]) + carry;
            x[i] = (ulong)t;
            carry = (ulong)(t >> 64);
        }

        for (int i = 4; i < 8; i++)
        {
            UInt128 t = (UInt128)x[i] + carry;
            x[i] = (ulong)t;
            carry = (ulong)(t >> 64);
        }

        BarrettReduce(r, x);
        al.Clear();
        bl.Clear();
        x.Clear();
    }

    /// <summary>True when the 32-byte little-endian s is below L: the S check of RFC 8032 section 5.1.7 step 1.</summary>
    internal static bool IsCanonical(ReadOnlySpan<byte> s)
    {
        ulong borrow = 0;
        _ = SubBorrow(BinaryPrimitives.ReadUInt64LittleEndian(s), L0, ref borrow);
        _ = SubBorrow(BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), L1, ref borrow);
        _ = SubBorrow(BinaryPrimitives.ReadUInt64LittleEndian(s[16..]), L2, ref borrow);
        _ = SubBorrow(BinaryPrimitives.ReadUInt64LittleEndian(s[24..]), L3, ref borrow);
        return borrow == 1;
    }

    /// <summary>
    /// Barrett reduction of a 512-bit x (HAC 14.42 with b = 2^64, k = 4): q = floor(floor(x / b^3) * mu / b^5)
    /// underestimates floor(x / L) by at most 2, so x - q L lies in [0, 3L) and two conditional
    /// subtractions of L finish. All of it is computed modulo b^5, where 3L fits.
    /// </summary>
    private static void BarrettReduce(Span<byte> r, ReadOnlySpan<ulong> x)
    {
        ReadOnlySpan<ulong> mu = [Mu0, Mu1, Mu2, Mu3, Mu4];
        Span<ulong> q2 = stackalloc ulong[10];
        Multiply(q2, x[3..8], mu);
        ReadOnlySpan<ulong> q3 = q2[5..10];

        // q3 * L mod b^5.
        ReadOnlySpan<ulong> l = [L0, L1, L2, L3];
        Span<ulong> r2 = stackalloc ulong[5];
        r2.Clear();
        for (int i = 0; i < 5; i++)
        {
            ulong carry = 0;
            for (int j = 0; i + j < 5 && j < 4; j++)
            {
                carry = MulAdd(q3[i], l[j], r2[i + j], carry, out r2[i + j]);
            }

            if (i + 4 < 5)
            {
                r2[i + 4] += carry;
            }
        }

        // x mod b^5 - q3 * L mod b^5, wrapping modulo b^5.
        Span<ulong> rr = stackalloc ulong[5];
        ulong borrow = 0;
        for (int i = 0; i < 5; i++)
        {
            rr[i] = SubBorrow(x[i], r2[i], ref borrow);
        }

        ConditionalSubtractL(rr);
        ConditionalSubtractL(rr);

        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(r[(8 * i)..], rr[i]);
        }

        q2.Clear();
        r2.Clear();
        rr.Clear();
    }

    /// <summary>rr = rr &gt;= L ? rr - L : rr, without branching on rr.</summary>
    private static void ConditionalSubtractL(Span<ulong> rr)
    {
        ulong borrow = 0;
        ulong d0 = SubBorrow(rr[0], L0, ref borrow);
        ulong d1 = SubBorrow(rr[1], L1, ref borrow);
        ulong d2 = SubBorrow(rr[2], L2, ref borrow);
        ulong d3 = SubBorrow(rr[3], L3, ref borrow);
        ulong d4 = SubBorrow(rr[4], 0, ref borrow);

        // borrow = 0 means rr >= L: keep the difference.
        ulong keep = borrow - 1;
        rr[0] ^= (rr[0] ^ d0) & keep;
        rr[1] ^= (rr[1] ^ d1) & keep;
        rr[2] ^= (rr[2] ^ d2) & keep;
        rr[3] ^= (rr[3] ^ d3) & keep;
        rr[4] ^= (rr[4] ^ d4) & keep;
    }

    /// <summary>Schoolbook product r = a * b with r.Length = a.Length + b.Length.</summary>
    private static void Multiply(Span<ulong> r, ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        r.Clear();
        for (int i = 0; i < a.Length; i++)
        {
            ulong carry = 0;
            for (int j = 0; j < b.Length; j++)
            {
                carry = MulAdd(a[i], b[j], r[i + j], carry, out r[i + j]);
            }

            r[i + b.Length] = carry;
        }
    }

    /// <summary>a * b + c + d as (high, low); it cannot overflow 128 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulAdd(ulong a, ulong b, ulong c, ulong d, out ulong low)
    {
        UInt128 t = Math.BigMul(a, b) + c + d;
        low = (ulong)t;
        return (ulong)(t >> 64);
    }

    /// <summary>a - b - borrow, with the borrow out computed arithmetically (Hacker's Delight 2-13).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubBorrow(ulong a, ulong b, ref ulong borrow)
    {
        ulong d = a - b - borrow;
        borrow = ((~a & b) | (~(a ^ b) & d)) >> 63;
        return d;
    }
}
