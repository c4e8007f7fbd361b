using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// Constant-time fixed-base multiplication a*B, the hot path of Ed25519 signing and key generation
/// and of X25519 public keys. The scalar is written in 64 signed radix-16 digits e_i in [-8, 8], and
/// a*B = sum e_i 16^i B is assembled from a table of the multiples k * 256^j * B (k = 1..8, j = 0..31):
/// the odd digits first, then four doublings (x16), then the even digits. Each table entry is chosen
/// by a scan of all eight candidates with masks, so neither branches nor memory addresses depend on
/// the scalar.
/// </summary>
[SkipLocalsInit]
internal static class Edwards25519BaseMult
{
    /// <summary>Table[8j + k - 1] = k * 256^j * B in affine precomputed form.</summary>
    private static readonly GePrecomp[] Table = BuildTable();

    private static GePrecomp[] BuildTable()
    {
        var points = new GeP3[32 * 8];
        GeP3 p = Edwards25519.BasePoint;
        for (int j = 0; j < 32; j++)
        {
            Edwards25519.ToCached(out GeCached pc, p);
            GeP3 q = p;
            points[8 * j] = q;
            for (int k = 1; k < 8; k++)
            {
                Edwards25519.Add(out GeP1P1 t, q, pc);
                Edwards25519.ToP3(out q, t);
                points[(8 * j) + k] = q;
            }

            for (int i = 0; i < 8; i++)
            {
                Edwards25519.Double(out GeP1P1 t, p);
                Edwards25519.ToP3(out p, t);
            }
        }

        return ToPrecomp(points);
    }

    /// <summary>Converts points to affine precomputed form with one shared inversion (Montgomery's trick).</summary>
    internal static GePrecomp[] ToPrecomp(GeP3[] points)
    {
        int n = points.Length;
        var prefix = new FieldElement[n];
        prefix[0] = points[0].Z;
        for (int i = 1; i < n; i++)
        {
            Field25519.Mul(out prefix[i], prefix[i - 1], points[i].Z);
        }

        Field25519.Invert(out FieldElement inv, prefix[n - 1]);
        var result = new GePrecomp[n];
        for (int i = n - 1; i >= 0; i--)
        {
            // inv = 1 / (Z_0 ... Z_i) here, so 1/Z_i = inv * (Z_0 ... Z_{i-1}).
            FieldElement zInv = inv;
            if (i > 0)
            {
                Field25519.Mul(out zInv, inv, prefix[i - 1]);
                Field25519.Mul(out inv, inv, points[i].Z);
            }

            Field25519.Mul(out FieldElement x, points[i].X, zInv);
            Field25519.Mul(out FieldElement y, points[i].Y, zInv);
            Field25519.Add(out result[i].YPlusX, y, x);
            Field25519.Sub(out result[i].YMinusX, y, x);
            Field25519.Mul(out FieldElement xy, x, y);
            Field25519.Mul(out result[i].XY2D, xy, Edwards25519.D2);
        }

        return result;
    }

    /// <summary>
    /// r = a*B for a 32-byte little-endian scalar with a[31] &lt;= 127 (clamped secret scalars and
    /// values reduced mod L both qualify), in constant time.
    /// </summary>
    internal static void ScalarMultBase(out GeP3 r, ReadOnlySpan<byte> a)
    {
        // Radix-16 digits in [0, 15], then recentred to [-8, 7] by carrying; the top digit absorbs the
        // last carry and stays <= 8 because a < 2^255.
        Span<sbyte> e = stackalloc sbyte[64];
        for (int i = 0; i < 32; i++)
        {
            e[2 * i] = (sbyte)(a[i] & 15);
            e[(2 * i) + 1] = (sbyte)((a[i] >> 4) & 15);
        }

        int carry = 0;
        for (int i = 0; i < 63; i++)
        {
            int v = e[i] + carry;
            carry = (v + 8) >> 4;
            e[i] = (sbyte)(v - (carry << 4));
        }

        e[63] = (sbyte)(e[63] + carry);

        Edwards25519.Identity(out r);
        GeP1P1 t;
        for (int i = 1; i < 64; i += 2)
        {
            Select(out GePrecomp s, i >> 1, e[i]);
            Edwards25519.MixedAdd(out t, r, s);
            Edwards25519.ToP3(out r, t);
        }

        Edwards25519.Double(out t, r);
        Edwards25519.ToP2(out GeP2 q, t);
        Edwards25519.Double(out t, q);
        Edwards25519.ToP2(out q, t);
        Edwards25519.Double(out t, q);
        Edwards25519.ToP2(out q, t);
        Edwards25519.Double(out t, q);
        Edwards25519.ToP3(out r, t);

        for (int i = 0; i < 64; i += 2)
        {
            Select(out GePrecomp s, i >> 1, e[i]);
            Edwards25519.MixedAdd(out t, r, s);
            Edwards25519.ToP3(out r, t);
        }

        e.Clear();
    }

    /// <summary>t = b * 256^j * B for a digit b in [-8, 8], reading all eight entries of row j.</summary>
    private static void Select(out GePrecomp t, int j, sbyte b)
    {
        // m = -1 when b < 0, else 0; |b| = (b ^ m) - m.
        int m = b >> 7;
        int abs = (b ^ m) - m;
        ulong negative = (ulong)(long)m;

        if (Vector256.IsHardwareAccelerated)
        {
            SelectVector(out t, j, abs);
        }
        else
        {
            SelectScalar(out t, j, abs);
        }

        // -(x, y) = (-x, y): y + x and y - x trade places and xy2d changes sign.
        GePrecomp minus;
        minus.YPlusX = t.YMinusX;
        minus.YMinusX = t.YPlusX;
        Field25519.Neg(out minus.XY2D, t.XY2D);
        Field25519.CMov(ref t.YPlusX, minus.YPlusX, negative);
        Field25519.CMov(ref t.YMinusX, minus.YMinusX, negative);
        Field25519.CMov(ref t.XY2D, minus.XY2D, negative);
    }

    /// <summary>t = abs * 256^j * B for abs in [0, 8] (0 gives the identity), by a masked scan of row j.</summary>
    internal static void SelectScalar(out GePrecomp t, int j, int abs)
    {
        ref GePrecomp row = ref Table[8 * j];
        Edwards25519.Identity(out t);
        for (int k = 0; k < 8; k++)
        {
            ulong mask = EqualMask(abs, k + 1);
            ref GePrecomp entry = ref Unsafe.Add(ref row, k);
            Field25519.CMov(ref t.YPlusX, entry.YPlusX, mask);
            Field25519.CMov(ref t.YMinusX, entry.YMinusX, mask);
            Field25519.CMov(ref t.XY2D, entry.XY2D, mask);
        }
    }

    /// <summary>
    /// SelectScalar with 256-bit vectors: an entry is 15 ulongs (120 bytes), covered by four loads
    /// at byte offsets 0, 32, 64 and 88; the last two overlap in one ulong, which both select alike.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SelectVector(out GePrecomp t, int j, int abs)
    {
        ref GePrecomp row = ref Table[8 * j];
        // The identity (1, 1, 0): ulong 0 (YPlusX.L0) and ulong 5 (YMinusX.L0) are 1.
        Vector256<ulong> acc0 = Vector256.Create(1UL, 0, 0, 0);
        Vector256<ulong> acc1 = Vector256.Create(0UL, 1, 0, 0);
        Vector256<ulong> acc2 = Vector256<ulong>.Zero;
        Vector256<ulong> acc3 = Vector256<ulong>.Zero;
        for (int k = 0; k < 8; k++)
        {
            var mask = Vector256.Create(EqualMask(abs, k + 1));
            ref byte e = ref Unsafe.As<GePrecomp, byte>(ref Unsafe.Add(ref row, k));
            acc0 = Vector256.ConditionalSelect(mask, Unsafe.ReadUnaligned<Vector256<ulong>>(ref e), acc0);
            acc1 = Vector256.ConditionalSelect(mask, Unsafe.ReadUnaligned<Vector256<ulong>>(ref Unsafe.Add(ref e, 32)), acc1);
            acc2 = Vector256.ConditionalSelect(mask, Unsafe.ReadUnaligned<Vector256<ulong>>(ref Unsafe.Add(ref e, 64)), acc2);
            acc3 = Vector256.ConditionalSelect(mask, Unsafe.ReadUnaligned<Vector256<ulong>>(ref Unsafe.Add(ref e, 88)), acc3);
        }

        Unsafe.SkipInit(out t);
        ref byte o = ref Unsafe.As<GePrecomp, byte>(ref t);
        Unsafe.WriteUnaligned(ref o, acc0);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 32), acc1);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 64), acc2);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 88), acc3);
    }

    /// <summary>All ones when a == b (both in [0, 255]), else zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong EqualMask(int a, int b)
    {
        uint x = (uint)(a ^ b);
        return 0UL - (ulong)((x - 1) >> 31);
    }
}
