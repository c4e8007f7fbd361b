using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SshMux.Ssh.Crypto;

// Point representations on the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 (RFC 8032 section 5.1),
// in the extended coordinates of Hisil, Wong, Carter and Dawson, "Twisted Edwards Curves Revisited"
// (2008), which RFC 8032 section 5.1.4 also uses.

/// <summary>Projective (X:Y:Z): x = X/Z, y = Y/Z. Enough for doubling.</summary>
internal struct GeP2
{
    internal FieldElement X, Y, Z;
}

/// <summary>Extended (X:Y:Z:T) with x = X/Z, y = Y/Z, xy = T/Z. Needed as the left operand of an addition.</summary>
internal struct GeP3
{
    internal FieldElement X, Y, Z, T;
}

/// <summary>The "completed" result of an addition or doubling: x = X/Z, y = Y/T.</summary>
internal struct GeP1P1
{
    internal FieldElement X, Y, Z, T;
}

/// <summary>An affine point prepared for mixed addition: (y + x, y - x, 2dxy).</summary>
/// <remarks>Sequential, 15 ulongs: the vector table scan of Edwards25519BaseMult reads it as raw memory.</remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct GePrecomp
{
    internal FieldElement YPlusX, YMinusX, XY2D;
}

/// <summary>A projective point prepared for addition: (Y + X, Y - X, Z, 2dT).</summary>
internal struct GeCached
{
    internal FieldElement YPlusX, YMinusX, Z, T2D;
}

/// <summary>Group operations of edwards25519. Constant time unless a method says "VarTime".</summary>
[SkipLocalsInit]
internal static class Edwards25519
{
    /// <summary>d = -121665/121666 (RFC 8032 section 5.1).</summary>
    internal static readonly FieldElement D = ComputeD();

    /// <summary>2d, the constant of the addition formulas.</summary>
    internal static readonly FieldElement D2 = ComputeD2();

    /// <summary>sqrt(-1) = 2^((p-1)/4), used by point decoding (RFC 8032 section 5.1.3 step 3).</summary>
    internal static readonly FieldElement SqrtM1 = ComputeSqrtM1();

    /// <summary>The base point B (RFC 8032 section 5.1: y = 4/5, x even). Initialised after D and SqrtM1.</summary>
    internal static readonly GeP3 BasePoint = ComputeBasePoint();

    private static FieldElement ComputeD()
    {
        Field25519.Invert(out FieldElement inv121666, Field25519.FromUInt(121666));
        Field25519.MulSmall(out FieldElement t, inv121666, 121665);
        Field25519.Neg(out FieldElement d, t);
        return d;
    }

    private static FieldElement ComputeD2()
    {
        FieldElement d = ComputeD();
        Field25519.Add(out FieldElement d2, d, d);
        return d2;
    }

    private static FieldElement ComputeSqrtM1()
    {
        // (p-1)/4 = 2^253 - 5. Pow22523 gives 2^(2^252 - 3); squaring gives 2^(2^253 - 6); one more
        // factor of 2 gives 2^(2^253 - 5).
        Field25519.Pow22523(out FieldElement t, Field25519.FromUInt(2));
        Field25519.Square(out t, t);
        Field25519.MulSmall(out FieldElement r, t, 2);
        return r;
    }

    private static GeP3 ComputeBasePoint()
    {
        Field25519.Invert(out FieldElement inv5, Field25519.FromUInt(5));
        Field25519.MulSmall(out FieldElement y, inv5, 4);
        Span<byte> encoded = stackalloc byte[32];
        Field25519.ToBytes(encoded, y);
        return DecodeVarTime(out GeP3 b, encoded) ? b : throw new InvalidOperationException("edwards25519 base point failed to decode.");
    }

    internal static void Identity(out GeP2 r)
    {
        r.X = Field25519.Zero;
        r.Y = Field25519.One;
        r.Z = Field25519.One;
    }

    internal static void Identity(out GeP3 r)
    {
        r.X = Field25519.Zero;
        r.Y = Field25519.One;
        r.Z = Field25519.One;
        r.T = Field25519.Zero;
    }

    internal static void Identity(out GePrecomp r)
    {
        r.YPlusX = Field25519.One;
        r.YMinusX = Field25519.One;
        r.XY2D = Field25519.Zero;
    }

    internal static void ToP2(out GeP2 r, in GeP1P1 p)
    {
        Field25519.Mul(out r.X, p.X, p.T);
        Field25519.Mul(out r.Y, p.Y, p.Z);
        Field25519.Mul(out r.Z, p.Z, p.T);
    }

    internal static void ToP3(out GeP3 r, in GeP1P1 p)
    {
        Field25519.Mul(out r.X, p.X, p.T);
        Field25519.Mul(out r.Y, p.Y, p.Z);
        Field25519.Mul(out r.Z, p.Z, p.T);
        Field25519.Mul(out r.T, p.X, p.Y);
    }

    internal static void ToP2(out GeP2 r, in GeP3 p)
    {
        r.X = p.X;
        r.Y = p.Y;
        r.Z = p.Z;
    }

    internal static void ToCached(out GeCached r, in GeP3 p)
    {
        Field25519.Add(out r.YPlusX, p.Y, p.X);
        Field25519.Sub(out r.YMinusX, p.Y, p.X);
        r.Z = p.Z;
        Field25519.Mul(out r.T2D, p.T, D2);
    }

    /// <summary>r = 2p (dbl-2008-hwcd with a = -1): x3 = 2XY / (Y^2 - X^2), y3 = (Y^2 + X^2) / (2Z^2 - Y^2 + X^2).</summary>
    internal static void Double(out GeP1P1 r, in GeP2 p)
    {
        Field25519.Square(out FieldElement xx, p.X);
        Field25519.Square(out FieldElement yy, p.Y);
        Field25519.Square(out FieldElement zz, p.Z);
        Field25519.Add(out FieldElement zz2, zz, zz);
        Field25519.Add(out FieldElement xy, p.X, p.Y);
        Field25519.Square(out FieldElement xy2, xy);
        Field25519.Add(out r.Y, yy, xx);
        Field25519.Sub(out r.Z, yy, xx);
        Field25519.Sub(out r.X, xy2, r.Y);
        Field25519.Sub(out r.T, zz2, r.Z);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Double(out GeP1P1 r, in GeP3 p)
    {
        ToP2(out GeP2 q, p);
        Double(out r, q);
    }

    /// <summary>r = p + q (add-2008-hwcd-3 with k = 2d).</summary>
    internal static void Add(out GeP1P1 r, in GeP3 p, in GeCached q)
    {
        Field25519.Add(out FieldElement ypx, p.Y, p.X);
        Field25519.Sub(out FieldElement ymx, p.Y, p.X);
        Field25519.Mul(out FieldElement a, ypx, q.YPlusX);
        Field25519.Mul(out FieldElement b, ymx, q.YMinusX);
        Field25519.Mul(out FieldElement c, q.T2D, p.T);
        Field25519.Mul(out FieldElement zz, p.Z, q.Z);
        Field25519.Add(out FieldElement d, zz, zz);
        Field25519.Sub(out r.X, a, b);
        Field25519.Add(out r.Y, a, b);
        Field25519.Add(out r.Z, d, c);
        Field25519.Sub(out r.T, d, c);
    }

    /// <summary>r = p - q: the addition with -q = (Y - X, Y + X, Z, -2dT) substituted.</summary>
    internal static void Sub(out GeP1P1 r, in GeP3 p, in GeCached q)
    {
        Field25519.Add(out FieldElement ypx, p.Y, p.X);
        Field25519.Sub(out FieldElement ymx, p.Y, p.X);
        Field25519.Mul(out FieldElement a, ypx, q.YMinusX);
        Field25519.Mul(out FieldElement b, ymx, q.YPlusX);
        Field25519.Mul(out FieldElement c, q.T2D, p.T);
        Field25519.Mul(out FieldElement zz, p.Z, q.Z);
        Field25519.Add(out FieldElement d, zz, zz);
        Field25519.Sub(out r.X, a, b);
        Field25519.Add(out r.Y, a, b);
        Field25519.Sub(out r.Z, d, c);
        Field25519.Add(out r.T, d, c);
    }

    /// <summary>r = p + q with q affine (Z = 1), saving one multiplication.</summary>
    internal static void MixedAdd(out GeP1P1 r, in GeP3 p, in GePrecomp q)
    {
        Field25519.Add(out FieldElement ypx, p.Y, p.X);
        Field25519.Sub(out FieldElement ymx, p.Y, p.X);
        Field25519.Mul(out FieldElement a, ypx, q.YPlusX);
        Field25519.Mul(out FieldElement b, ymx, q.YMinusX);
        Field25519.Mul(out FieldElement c, q.XY2D, p.T);
        Field25519.Add(out FieldElement d, p.Z, p.Z);
        Field25519.Sub(out r.X, a, b);
        Field25519.Add(out r.Y, a, b);
        Field25519.Add(out r.Z, d, c);
        Field25519.Sub(out r.T, d, c);
    }

    /// <summary>r = p - q with q affine.</summary>
    internal static void MixedSub(out GeP1P1 r, in GeP3 p, in GePrecomp q)
    {
        Field25519.Add(out FieldElement ypx, p.Y, p.X);
        Field25519.Sub(out FieldElement ymx, p.Y, p.X);
        Field25519.Mul(out FieldElement a, ypx, q.YMinusX);
        Field25519.Mul(out FieldElement b, ymx, q.YPlusX);
        Field25519.Mul(out FieldElement c, q.XY2D, p.T);
        Field25519.Add(out FieldElement d, p.Z, p.Z);
        Field25519.Sub(out r.X, a, b);
        Field25519.Add(out r.Y, a, b);
        Field25519.Sub(out r.Z, d, c);
        Field25519.Add(out r.T, d, c);
    }

    /// <summary>Encodes as RFC 8032 section 5.1.2: y in little endian with the low bit of x in bit 255.</summary>
    internal static void Encode(Span<byte> s, in GeP3 p) => Encode(s, p.X, p.Y, p.Z);

    internal static void Encode(Span<byte> s, in GeP2 p) => Encode(s, p.X, p.Y, p.Z);

    private static void Encode(Span<byte> s, in FieldElement x, in FieldElement y, in FieldElement z)
    {
        Field25519.Invert(out FieldElement zInv, z);
        Field25519.Mul(out FieldElement ax, x, zInv);
        Field25519.Mul(out FieldElement ay, y, zInv);
        Field25519.ToBytes(s, ay);
        s[31] ^= (byte)(Field25519.IsNegative(ax) << 7);
    }

    /// <summary>
    /// Decodes a point as RFC 8032 section 5.1.3 says, strictly: fails when y &gt;= p, when x^2 has no
    /// square root, or when x = 0 with the sign bit set. Variable time: only public points are decoded.
    /// </summary>
    internal static bool DecodeVarTime(out GeP3 r, ReadOnlySpan<byte> s)
    {
        r = default;
        if (!IsCanonicalY(s))
        {
            return false;
        }

        Field25519.FromBytes(out FieldElement y, s);
        int sign = s[31] >> 7;

        // x^2 = (y^2 - 1) / (d y^2 + 1) = u / v.
        Field25519.Square(out FieldElement yy, y);
        Field25519.Sub(out FieldElement u, yy, Field25519.One);
        Field25519.Mul(out FieldElement v, yy, D);
        Field25519.Add(out v, v, Field25519.One);

        // Candidate root x = u v^3 (u v^7)^((p-5)/8) (step 2 of section 5.1.3).
        Field25519.Square(out FieldElement v3, v);
        Field25519.Mul(out v3, v3, v);
        Field25519.Square(out FieldElement v7, v3);
        Field25519.Mul(out v7, v7, v);
        Field25519.Mul(out FieldElement uv7, u, v7);
        Field25519.Pow22523(out FieldElement x, uv7);
        Field25519.Mul(out x, x, v3);
        Field25519.Mul(out x, x, u);

        // Step 3: v x^2 = u gives x; v x^2 = -u gives x * sqrt(-1); anything else has no root.
        Field25519.Square(out FieldElement vxx, x);
        Field25519.Mul(out vxx, vxx, v);
        if (!Field25519.Equal(vxx, u))
        {
            Field25519.Neg(out FieldElement negU, u);
            if (!Field25519.Equal(vxx, negU))
            {
                return false;
            }

            Field25519.Mul(out x, x, SqrtM1);
        }

        // Step 4: x = 0 has only the encoding with sign bit 0.
        if (Field25519.IsZero(x) == 1 && sign == 1)
        {
            return false;
        }

        if (Field25519.IsNegative(x) != sign)
        {
            Field25519.Neg(out x, x);
        }

        r.X = x;
        r.Y = y;
        r.Z = Field25519.One;
        Field25519.Mul(out r.T, x, y);
        return true;
    }

    /// <summary>True when the 255-bit y in s is below p = 2^255 - 19.</summary>
    private static bool IsCanonicalY(ReadOnlySpan<byte> s)
    {
        // y >= p only when bytes 1..30 are all 0xff, byte 31 (sign masked off) is 0x7f and byte 0 >= 0xed.
        if ((s[31] & 0x7F) != 0x7F)
        {
            return true;
        }

        for (int i = 30; i >= 1; i--)
        {
            if (s[i] != 0xFF)
            {
                return true;
            }
        }

        return s[0] < 0xED;
    }

    internal static void Negate(ref GeP3 p)
    {
        Field25519.Neg(out p.X, p.X);
        Field25519.Neg(out p.T, p.T);
    }
}
