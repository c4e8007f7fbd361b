using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// The AVX2 path of <see cref="Poly1305"/>: four interleaved Horner evaluations, one per
/// 64-bit lane, in radix 2^26 so that vpmuludq (32x32->64) products of five limbs sum below
/// 2^64. Lane j takes blocks j, j+4, j+8, ... and multiplies by r^4 between them; the last
/// four blocks are multiplied by r^4, r^3, r^2, r^1 so that the lanes' sum is exactly the
/// serial h = (((h + m_1) r + m_2) r + ...) r. All of it is multiplies, adds, shifts and masks:
/// constant time like the scalar code.
/// </summary>
public ref partial struct Poly1305
{
    /// <summary>Bytes per vector step: four blocks.</summary>
    private const int VectorStride = 4 * BlockSize;

    /// <summary>Below this the powers of r cost more than the vector path saves.</summary>
    private const int VectorThreshold = 4 * VectorStride;

    private const ulong Mask26 = (1UL << 26) - 1;

    /// <summary>Absorbs <paramref name="data"/> (whole 16-byte blocks, a multiple of 64 bytes, at least 64) with the 2^128 pad bit.</summary>
    private void ProcessBlocksAvx2(scoped ReadOnlySpan<byte> data)
    {
        // r^1..r^4, each partially reduced, in radix 2^26. Limbs stay below 2^26.4, so
        // 5 * limb < 2^28.7 and each product with an accumulator limb (< 2^27.2) is < 2^56.
        ulong a0 = _r0, a1 = _r1, a2 = 0;
        ToLimbs(a0, a1, a2, out var p1);
        MultiplyReduce(ref a0, ref a1, ref a2, _r0, _r1, _s1);
        ToLimbs(a0, a1, a2, out var p2);
        MultiplyReduce(ref a0, ref a1, ref a2, _r0, _r1, _s1);
        ToLimbs(a0, a1, a2, out var p3);
        MultiplyReduce(ref a0, ref a1, ref a2, _r0, _r1, _s1);
        ToLimbs(a0, a1, a2, out var p4);

        var r4 = new Powers(
            Vector256.Create(p4[0]),
            Vector256.Create(p4[1]),
            Vector256.Create(p4[2]),
            Vector256.Create(p4[3]),
            Vector256.Create(p4[4]));

        // The message loads put blocks 0, 2, 1, 3 of each 64 bytes in lanes 0..3 (see
        // LoadMessage), so the last step multiplies lane by lane with r^4, r^2, r^3, r^1.
        var rLast = new Powers(
            Vector256.Create(p4[0], p2[0], p3[0], p1[0]),
            Vector256.Create(p4[1], p2[1], p3[1], p1[1]),
            Vector256.Create(p4[2], p2[2], p3[2], p1[2]),
            Vector256.Create(p4[3], p2[3], p3[3], p1[3]),
            Vector256.Create(p4[4], p2[4], p3[4], p1[4]));

        // The running h joins lane 0, whose first block is the first of the message.
        ToLimbs(_h0, _h1, _h2, out var h);
        Vector256<ulong> h0 = Vector256.CreateScalar(h[0]);
        Vector256<ulong> h1 = Vector256.CreateScalar(h[1]);
        Vector256<ulong> h2 = Vector256.CreateScalar(h[2]);
        Vector256<ulong> h3 = Vector256.CreateScalar(h[3]);
        Vector256<ulong> h4 = Vector256.CreateScalar(h[4]);

        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint last = (nuint)(data.Length - VectorStride);
        for (nuint offset = 0; offset < last; offset += VectorStride)
        {
            AddMessage(ref p, offset, ref h0, ref h1, ref h2, ref h3, ref h4);
            MultiplyReduce(ref h0, ref h1, ref h2, ref h3, ref h4, in r4);
        }

        AddMessage(ref p, last, ref h0, ref h1, ref h2, ref h3, ref h4);
        MultiplyReduce(ref h0, ref h1, ref h2, ref h3, ref h4, in rLast);

        // Sum the lanes (each limb < 2^27, so the sums are < 2^29), carry the limbs down to
        // 26 bits (the top one keeps the excess), and repack in radix 2^64.
        ulong l0 = Vector256.Sum(h0), l1 = Vector256.Sum(h1), l2 = Vector256.Sum(h2), l3 = Vector256.Sum(h3), l4 = Vector256.Sum(h4);
        l1 += l0 >> 26;
        l0 &= Mask26;
        l2 += l1 >> 26;
        l1 &= Mask26;
        l3 += l2 >> 26;
        l2 &= Mask26;
        l4 += l3 >> 26;
        l3 &= Mask26;

        // The powers of r are key material (ZeroMemory is a store the JIT keeps).
        Wipe(ref p1);
        Wipe(ref p2);
        Wipe(ref p3);
        Wipe(ref p4);
        Wipe(ref h);

        ulong n0 = l0 | (l1 << 26) | (l2 << 52);
        ulong n1 = (l2 >> 12) | (l3 << 14) | (l4 << 40);
        ulong n2 = l4 >> 24;

        // Fold what lies above 2^130 back (2^130 = 5 mod p) so that h2 <= 4 again.
        ulong fold = (n2 & ~3UL) + (n2 >> 2);
        ulong carry = 0;
        _h0 = AddWithCarry(n0, fold, ref carry);
        _h1 = AddWithCarry(n1, 0, ref carry);
        _h2 = (n2 & 3) + carry;
    }

    /// <summary>h += the four blocks at <paramref name="offset"/>, each with its 2^128 pad bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddMessage(
        ref byte p,
        nuint offset,
        ref Vector256<ulong> h0,
        ref Vector256<ulong> h1,
        ref Vector256<ulong> h2,
        ref Vector256<ulong> h3,
        ref Vector256<ulong> h4)
    {
        // Blocks 0 and 1, then 2 and 3; the in-lane unpacks give low and high halves in the
        // lane order 0, 2, 1, 3.
        Vector256<ulong> first = Vector256.LoadUnsafe(ref p, offset).AsUInt64();
        Vector256<ulong> second = Vector256.LoadUnsafe(ref p, offset + 32).AsUInt64();
        Vector256<ulong> low = Avx2.UnpackLow(first, second);
        Vector256<ulong> high = Avx2.UnpackHigh(first, second);
        Vector256<ulong> mask = Vector256.Create(Mask26);

        h0 += low & mask;
        h1 += (low >>> 26) & mask;
        h2 += ((low >>> 52) | (high << 12)) & mask;
        h3 += (high >>> 14) & mask;
        h4 += (high >>> 40) | Vector256.Create(1UL << 24);
    }

    /// <summary>h = h * r mod 2^130-5 in each lane, limbs carried back to about 26 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyReduce(
        ref Vector256<ulong> h0,
        ref Vector256<ulong> h1,
        ref Vector256<ulong> h2,
        ref Vector256<ulong> h3,
        ref Vector256<ulong> h4,
        in Powers r)
    {
        // Limb products that reach 2^130 come back at 5 times their weight 2^130 lower.
        Vector256<ulong> d0 = Mul(h0, r.R0) + Mul(h1, r.S4) + Mul(h2, r.S3) + Mul(h3, r.S2) + Mul(h4, r.S1);
        Vector256<ulong> d1 = Mul(h0, r.R1) + Mul(h1, r.R0) + Mul(h2, r.S4) + Mul(h3, r.S3) + Mul(h4, r.S2);
        Vector256<ulong> d2 = Mul(h0, r.R2) + Mul(h1, r.R1) + Mul(h2, r.R0) + Mul(h3, r.S4) + Mul(h4, r.S3);
        Vector256<ulong> d3 = Mul(h0, r.R3) + Mul(h1, r.R2) + Mul(h2, r.R1) + Mul(h3, r.R0) + Mul(h4, r.S4);
        Vector256<ulong> d4 = Mul(h0, r.R4) + Mul(h1, r.R3) + Mul(h2, r.R2) + Mul(h3, r.R1) + Mul(h4, r.R0);

        Vector256<ulong> mask = Vector256.Create(Mask26);
        d1 += d0 >>> 26;
        d0 &= mask;
        d2 += d1 >>> 26;
        d1 &= mask;
        d3 += d2 >>> 26;
        d2 &= mask;
        d4 += d3 >>> 26;
        d3 &= mask;
        Vector256<ulong> top = d4 >>> 26;
        d4 &= mask;
        d0 += top + (top << 2);
        d1 += d0 >>> 26;
        d0 &= mask;

        h0 = d0;
        h1 = d1;
        h2 = d2;
        h3 = d3;
        h4 = d4;
    }

    /// <summary>vpmuludq: the low 32 bits of each lane multiplied to 64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Mul(Vector256<ulong> a, Vector256<ulong> b) => Avx2.Multiply(a.AsUInt32(), b.AsUInt32());

    /// <summary>Splits a radix-2^64 value (h2 small) into five 26-bit limbs, the last taking the excess.</summary>
    private static void ToLimbs(ulong h0, ulong h1, ulong h2, out Limbs limbs)
    {
        limbs = default;
        limbs[0] = h0 & Mask26;
        limbs[1] = (h0 >> 26) & Mask26;
        limbs[2] = ((h0 >> 52) | (h1 << 12)) & Mask26;
        limbs[3] = (h1 >> 14) & Mask26;
        limbs[4] = (h1 >> 40) | (h2 << 24);
    }

    private static void Wipe(ref Limbs limbs) => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes((Span<ulong>)limbs));

    [InlineArray(5)]
    private struct Limbs
    {
        private ulong _limb;
    }

    /// <summary>The limbs of a power of r per lane, and 5 times the upper four.</summary>
    private readonly struct Powers
    {
        public Powers(Vector256<ulong> r0, Vector256<ulong> r1, Vector256<ulong> r2, Vector256<ulong> r3, Vector256<ulong> r4)
        {
            R0 = r0;
            R1 = r1;
            R2 = r2;
            R3 = r3;
            R4 = r4;
            S1 = r1 + (r1 << 2);
            S2 = r2 + (r2 << 2);
            S3 = r3 + (r3 << 2);
            S4 = r4 + (r4 << 2);
        }

        public Vector256<ulong> R0 { get; }

        public Vector256<ulong> R1 { get; }

        public Vector256<ulong> R2 { get; }

        public Vector256<ulong> R3 { get; }

        public Vector256<ulong> R4 { get; }

        public Vector256<ulong> S1 { get; }

        public Vector256<ulong> S2 { get; }

        public Vector256<ulong> S3 { get; }

        public Vector256<ulong> S4 { get; }
    }
}
