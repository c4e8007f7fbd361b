using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using SshMux.Ssh.Crypto;

namespace SshMux.Ssh.Tests.Crypto;

/// <summary>The field, scalar and recoding internals of X25519/Ed25519, checked against BigInteger.</summary>
public class Curve25519ArithmeticTests
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
    private static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", CultureInfo.InvariantCulture);

    private static BigInteger FromBytes(ReadOnlySpan<byte> b) => new(b, isUnsigned: true, isBigEndian: false);

    private static byte[] ToBytes(BigInteger v, int length) =>
        v.ToByteArray(isUnsigned: true, isBigEndian: false).Concat(new byte[length]).Take(length).ToArray();

    private static BigInteger Value(in FieldElement f)
    {
        var s = new byte[32];
        Field25519.ToBytes(s, f);
        return FromBytes(s);
    }

    private static FieldElement Element(BigInteger v)
    {
        Field25519.FromBytes(out FieldElement f, ToBytes(v, 32));
        return f;
    }

    /// <summary>Random field values, with the extremes that stress carries mixed in.</summary>
    private static IEnumerable<BigInteger> FieldSamples()
    {
        yield return 0;
        yield return 1;
        yield return P - 1;
        yield return BigInteger.Pow(2, 255) - 20;
        yield return BigInteger.Pow(2, 51) - 1;
        for (int i = 0; i < 200; i++)
        {
            yield return FromBytes(RandomNumberGenerator.GetBytes(32)) % P;
        }
    }

    [Fact]
    public void Field_Operations_Match_BigInteger()
    {
        BigInteger[] samples = FieldSamples().ToArray();
        for (int i = 0; i < samples.Length; i++)
        {
            BigInteger a = samples[i];
            BigInteger b = samples[(i * 7 + 3) % samples.Length];
            FieldElement fa = Element(a);
            FieldElement fb = Element(b);

            Field25519.Mul(out FieldElement prod, fa, fb);
            Assert.Equal(a * b % P, Value(prod));
            Field25519.Square(out FieldElement sq, fa);
            Assert.Equal(a * a % P, Value(sq));
            Field25519.Add(out FieldElement sum, fa, fb);
            Assert.Equal((a + b) % P, Value(sum));
            Field25519.Sub(out FieldElement diff, fa, fb);
            Assert.Equal(((a - b) % P + P) % P, Value(diff));
            Field25519.MulSmall(out FieldElement small, fa, 121666);
            Assert.Equal(a * 121666 % P, Value(small));

            // Chains of unreduced additions and subtractions feeding a multiplication stay exact.
            Field25519.Sub(out FieldElement t, sum, fb);
            Field25519.Add(out t, t, sum);
            Field25519.Sub(out t, t, diff);
            Field25519.Mul(out t, t, sum);
            Assert.Equal(((a + b + b) * (a + b)) % P, Value(t));

            Field25519.Invert(out FieldElement inv, fa);
            Assert.Equal(a.IsZero ? 0 : BigInteger.ModPow(a, P - 2, P), Value(inv));
        }
    }

    [Fact]
    public void Field_Encoding_Is_Canonical()
    {
        // Inputs in [p, 2^255) reduce; bit 255 is ignored on input.
        Assert.Equal(0, Value(Element(P)));
        Assert.Equal(18, Value(Element(BigInteger.Pow(2, 255) - 1)));
        byte[] withTopBit = ToBytes(5, 32);
        withTopBit[31] |= 0x80;
        Field25519.FromBytes(out FieldElement f, withTopBit);
        Assert.Equal(5, Value(f));
    }

    [Fact]
    public void Curve_Constants_Match_Rfc8032()
    {
        // RFC 8032 section 5.1: d, and the base point coordinates given in decimal.
        BigInteger d = BigInteger.Parse("37095705934669439343138083508754565189542113879843219016388785533085940283555", CultureInfo.InvariantCulture);
        BigInteger bx = BigInteger.Parse("15112221349535400772501151409588531511454012693041857206046113283949847762202", CultureInfo.InvariantCulture);
        BigInteger by = BigInteger.Parse("46316835694926478169428394003475163141307993866256225615783033603165251855960", CultureInfo.InvariantCulture);

        Assert.Equal(d, Value(Edwards25519.D));
        Assert.Equal(2 * d % P, Value(Edwards25519.D2));
        BigInteger i = Value(Edwards25519.SqrtM1);
        Assert.Equal(P - 1, i * i % P);

        GeP3 b = Edwards25519.BasePoint;
        Field25519.Invert(out FieldElement zInv, b.Z);
        Field25519.Mul(out FieldElement x, b.X, zInv);
        Field25519.Mul(out FieldElement y, b.Y, zInv);
        Assert.Equal(bx, Value(x));
        Assert.Equal(by, Value(y));
    }

    private static IEnumerable<BigInteger> ScalarSamples(int bytes)
    {
        BigInteger max = BigInteger.Pow(2, 8 * bytes) - 1;
        yield return 0;
        yield return 1;
        yield return L - 1;
        yield return L;
        yield return L + 1;
        yield return max;
        yield return max - (max % L);       // the largest multiple of L that fits
        yield return (max - (max % L)) - 1;
        for (int i = 0; i < 500; i++)
        {
            yield return FromBytes(RandomNumberGenerator.GetBytes(bytes));
        }
    }

    [Fact]
    public void Scalar_Reduce_Matches_BigInteger()
    {
        var r = new byte[32];
        foreach (BigInteger x in ScalarSamples(64))
        {
            Scalar25519.Reduce(r, ToBytes(x, 64));
            Assert.Equal(x % L, FromBytes(r));
        }
    }

    [Fact]
    public void Scalar_MulAdd_Matches_BigInteger()
    {
        BigInteger[] samples = ScalarSamples(32).ToArray();
        var r = new byte[32];
        for (int i = 0; i < samples.Length; i++)
        {
            BigInteger a = samples[i];
            BigInteger b = samples[(i * 13 + 5) % samples.Length];
            BigInteger c = samples[(i * 31 + 7) % samples.Length];
            Scalar25519.MulAdd(r, ToBytes(a, 32), ToBytes(b, 32), ToBytes(c, 32));
            Assert.Equal((a * b + c) % L, FromBytes(r));
        }
    }

    [Fact]
    public void Scalar_IsCanonical_Is_S_Below_L()
    {
        foreach (BigInteger s in ScalarSamples(32))
        {
            Assert.Equal(s < L, Scalar25519.IsCanonical(ToBytes(s, 32)));
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(8)]
    public void Naf_Digits_Reconstruct_The_Scalar(int width)
    {
        var naf = new sbyte[256];
        foreach (BigInteger x in ScalarSamples(32).Select(s => s % L).Append(L - 1).Append(BigInteger.Pow(2, 253) - 1))
        {
            Edwards25519VarTime.ComputeNaf(naf, ToBytes(x, 32), width);
            BigInteger sum = 0;
            int lastNonZero = -width;
            for (int i = 255; i >= 0; i--)
            {
                sum = (sum * 2) + naf[i];
            }

            for (int i = 0; i < 256; i++)
            {
                if (naf[i] != 0)
                {
                    Assert.True((naf[i] & 1) == 1, "digits are odd");
                    Assert.True(Math.Abs((int)naf[i]) < (1 << (width - 1)), "digits are below 2^(w-1)");
                    Assert.True(i - lastNonZero >= width, "nonzero digits are w apart");
                    lastNonZero = i;
                }
            }

            Assert.Equal(x, sum);
        }
    }

    [Fact]
    public void Fixed_Base_Table_Agrees_With_Double_Scalar_Multiplication()
    {
        // [a]B from the constant-time table against [0]A + [a]B from the variable-time wNAF path.
        Edwards25519.Identity(out GeP3 identity);
        var e1 = new byte[32];
        var e2 = new byte[32];
        foreach (BigInteger a in ScalarSamples(32).Take(60).Select(s => s % L))
        {
            Edwards25519BaseMult.ScalarMultBase(out GeP3 p1, ToBytes(a, 32));
            Edwards25519VarTime.DoubleScalarMult(out GeP2 p2, ToBytes(0, 32), identity, ToBytes(a, 32));
            Edwards25519.Encode(e1, p1);
            Edwards25519.Encode(e2, p2);
            Assert.Equal(e1, e2);
        }
    }

    [Fact]
    public void Vector_And_Scalar_Table_Lookups_Agree()
    {
        Assert.Equal(120, System.Runtime.CompilerServices.Unsafe.SizeOf<GePrecomp>());
        for (int j = 0; j < 32; j++)
        {
            for (int abs = 0; abs <= 8; abs++)
            {
                Edwards25519BaseMult.SelectScalar(out GePrecomp s, j, abs);
                Edwards25519BaseMult.SelectVector(out GePrecomp v, j, abs);
                Assert.Equal(Value(s.YPlusX), Value(v.YPlusX));
                Assert.Equal(Value(s.YMinusX), Value(v.YMinusX));
                Assert.Equal(Value(s.XY2D), Value(v.XY2D));
                if (abs == 0)
                {
                    Assert.Equal(BigInteger.One, Value(s.YPlusX));
                    Assert.Equal(BigInteger.One, Value(s.YMinusX));
                    Assert.Equal(BigInteger.Zero, Value(s.XY2D));
                }
            }
        }
    }
}
