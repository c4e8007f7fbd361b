using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// Variable-time a*A + b*B for signature verification, where every input is public. Both scalars
/// are written in width-w non-adjacent form (wNAF) and processed together in one chain of doublings
/// (Straus' trick): width 5 for the per-call point A (8 odd multiples computed per call) and width 8
/// for the base point B (64 odd multiples precomputed once).
/// </summary>
[SkipLocalsInit]
internal static class Edwards25519VarTime
{
    private const int AWidth = 5;
    private const int BWidth = 8;

    /// <summary>BaseOddMultiples[k] = (2k + 1) * B.</summary>
    private static readonly GePrecomp[] BaseOddMultiples = BuildBaseOddMultiples();

    private static GePrecomp[] BuildBaseOddMultiples()
    {
        var points = new GeP3[1 << (BWidth - 2)];
        GeP3 b = Edwards25519.BasePoint;
        Edwards25519.Double(out GeP1P1 t, b);
        Edwards25519.ToP3(out GeP3 b2, t);
        Edwards25519.ToCached(out GeCached b2c, b2);
        points[0] = b;
        for (int k = 1; k < points.Length; k++)
        {
            Edwards25519.Add(out t, points[k - 1], b2c);
            Edwards25519.ToP3(out points[k], t);
        }

        return Edwards25519BaseMult.ToPrecomp(points);
    }

    /// <summary>r = a*A + b*B for 32-byte little-endian scalars a, b below 2^253 (both are reduced mod L).</summary>
    internal static void DoubleScalarMult(out GeP2 r, ReadOnlySpan<byte> a, in GeP3 pointA, ReadOnlySpan<byte> b)
    {
        Span<sbyte> nafA = stackalloc sbyte[256];
        Span<sbyte> nafB = stackalloc sbyte[256];
        ComputeNaf(nafA, a, AWidth);
        ComputeNaf(nafB, b, BWidth);

        // Odd multiples A, 3A, ..., 15A.
        Span<GeCached> oddA = stackalloc GeCached[1 << (AWidth - 2)];
        Edwards25519.ToCached(out oddA[0], pointA);
        Edwards25519.Double(out GeP1P1 t, pointA);
        Edwards25519.ToP3(out GeP3 a2, t);
        GeP3 u;
        for (int k = 1; k < oddA.Length; k++)
        {
            Edwards25519.Add(out t, a2, oddA[k - 1]);
            Edwards25519.ToP3(out u, t);
            Edwards25519.ToCached(out oddA[k], u);
        }

        int i = 255;
        while (i >= 0 && nafA[i] == 0 && nafB[i] == 0)
        {
            i--;
        }

        Edwards25519.Identity(out r);
        for (; i >= 0; i--)
        {
            Edwards25519.Double(out t, r);

            int da = nafA[i];
            if (da > 0)
            {
                Edwards25519.ToP3(out u, t);
                Edwards25519.Add(out t, u, oddA[da >> 1]);
            }
            else if (da < 0)
            {
                Edwards25519.ToP3(out u, t);
                Edwards25519.Sub(out t, u, oddA[(-da) >> 1]);
            }

            int db = nafB[i];
            if (db > 0)
            {
                Edwards25519.ToP3(out u, t);
                Edwards25519.MixedAdd(out t, u, BaseOddMultiples[db >> 1]);
            }
            else if (db < 0)
            {
                Edwards25519.ToP3(out u, t);
                Edwards25519.MixedSub(out t, u, BaseOddMultiples[(-db) >> 1]);
            }

            Edwards25519.ToP2(out r, t);
        }
    }

    /// <summary>
    /// Width-w NAF of a scalar below 2^253: every nonzero digit is odd, below 2^(w-1) in absolute
    /// value, and followed by at least w - 1 zeros. A digit chosen negative carries 2^w into the
    /// position w places up; for a scalar below 2^253 that carry lands at most at bit 254, so 256
    /// digits always suffice.
    /// </summary>
    internal static void ComputeNaf(Span<sbyte> naf, ReadOnlySpan<byte> scalar, int w)
    {
        Span<ulong> x = stackalloc ulong[5];
        for (int i = 0; i < 4; i++)
        {
            x[i] = BinaryPrimitives.ReadUInt64LittleEndian(scalar[(8 * i)..]);
        }

        x[4] = 0;
        naf.Clear();

        int width = 1 << w;
        ulong windowMask = (ulong)width - 1;
        int carry = 0;
        int pos = 0;
        while (pos < 256)
        {
            int limb = pos >> 6;
            int bit = pos & 63;
            ulong bits = x[limb] >> bit;
            if (bit + w > 64)
            {
                bits |= x[limb + 1] << (64 - bit);
            }

            // The pending carry belongs to this position; an even window means digit 0 here and the
            // carry (if any) moves on with the next bit.
            int window = carry + (int)(bits & windowMask);
            if ((window & 1) == 0)
            {
                pos++;
                continue;
            }

            if (window < width / 2)
            {
                carry = 0;
                naf[pos] = (sbyte)window;
            }
            else
            {
                carry = 1;
                naf[pos] = (sbyte)(window - width);
            }

            pos += w;
        }
    }
}
