using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SshMux.Ssh.Transport.Kex;

/// <summary>
/// Modular exponentiation for finite-field Diffie-Hellman with a secret exponent.
/// BigInteger.ModPow branches on exponent bits and on intermediate values, so the private
/// exponent would leak through timing; this one runs a fixed sequence of Montgomery
/// multiplications (CIOS over 64-bit limbs, carries by bit arithmetic, no data-dependent
/// branch), a fixed 4-bit window, and a table lookup that reads every entry.
/// The modulus and the base are public; only the exponent and the results are treated as secret.
/// </summary>
internal sealed class MontgomeryModulus
{
    private const int WindowBits = 4;
    private const int TableSize = 1 << WindowBits;

    private readonly ulong[] _n;      // modulus, little-endian limbs
    private readonly ulong[] _r2;     // R^2 mod n, R = 2^(64 * limbs)
    private readonly ulong _nPrime;   // -n^-1 mod 2^64

    public MontgomeryModulus(ReadOnlySpan<byte> modulusBigEndian)
    {
        var modulus = new BigInteger(modulusBigEndian, isUnsigned: true, isBigEndian: true);
        if (modulus.IsEven || modulus <= 1)
        {
            throw new ArgumentException("Montgomery arithmetic needs an odd modulus above 1", nameof(modulusBigEndian));
        }

        Bits = checked((int)modulus.GetBitLength());
        ByteLength = (Bits + 7) / 8;
        Limbs = (Bits + 63) / 64;
        _n = new ulong[Limbs];
        Load(modulusBigEndian, _n);

        // Newton iteration for n^-1 mod 2^64: n*n = 1 mod 8 for odd n, and each step doubles the correct bits.
        var inverse = _n[0];
        for (var i = 0; i < 5; i++)
        {
            inverse *= 2 - (_n[0] * inverse);
        }

        _nPrime = 0 - inverse;

        _r2 = new ulong[Limbs];
        var r2 = BigInteger.ModPow(2, 128 * Limbs, modulus);
        var r2Bytes = r2.ToByteArray(isUnsigned: true, isBigEndian: true);
        Load(r2Bytes, _r2);
    }

    public int Bits { get; }

    public int ByteLength { get; }

    public int Limbs { get; }

    /// <summary>
    /// result = base^exponent mod n as a big-endian number of exactly <see cref="ByteLength"/> bytes.
    /// The base must be below the modulus. The time taken depends only on the exponent's byte length.
    /// </summary>
    public void Pow(ReadOnlySpan<byte> baseBigEndian, ReadOnlySpan<byte> exponentBigEndian, Span<byte> result)
    {
        if (result.Length != ByteLength)
        {
            throw new ArgumentException($"Result must be {ByteLength} bytes", nameof(result));
        }

        var n = Limbs;
        // One block for everything so a single wipe clears every intermediate value.
        var work = new ulong[(TableSize * n) + (4 * n) + 2];
        var table = work.AsSpan(0, TableSize * n);
        var acc = work.AsSpan(TableSize * n, n);
        var pick = work.AsSpan((TableSize + 1) * n, n);
        var temp = work.AsSpan((TableSize + 2) * n, n);
        var scratch = work.AsSpan((TableSize + 3) * n, n + 2);
        try
        {
            Load(baseBigEndian, temp);
            if (!LessThanModulus(temp))
            {
                throw new ArgumentException("The base must be below the modulus", nameof(baseBigEndian));
            }

            // table[i] = base^i in Montgomery form; table[0] = R mod n, the Montgomery one.
            pick.Clear();
            pick[0] = 1;
            Multiply(pick, _r2, table[..n], scratch);
            Multiply(temp, _r2, table.Slice(n, n), scratch);
            for (var i = 2; i < TableSize; i++)
            {
                Multiply(table.Slice((i - 1) * n, n), table.Slice(n, n), table.Slice(i * n, n), scratch);
            }

            // Left to right over every nibble of the exponent, leading zeros included.
            table[..n].CopyTo(acc);
            for (var i = 0; i < exponentBigEndian.Length * 2; i++)
            {
                if (i > 0)
                {
                    for (var s = 0; s < WindowBits; s++)
                    {
                        Multiply(acc, acc, acc, scratch);
                    }
                }

                var nibble = (exponentBigEndian[i >> 1] >> ((1 - (i & 1)) * 4)) & 0xF;
                Select(table, nibble, pick);
                Multiply(acc, pick, acc, scratch);
            }

            // Leave Montgomery form: multiply by plain 1.
            pick.Clear();
            pick[0] = 1;
            Multiply(acc, pick, acc, scratch);
            Store(acc, result);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(work.AsSpan()));
        }
    }

    /// <summary>Copies table[index] into destination reading all entries, so the access pattern hides index.</summary>
    private void Select(ReadOnlySpan<ulong> table, int index, Span<ulong> destination)
    {
        var n = Limbs;
        destination.Clear();
        for (var i = 0; i < TableSize; i++)
        {
            // All ones when i == index: (x - 1) has its top bit set only for x == 0.
            var mask = 0UL - (ulong)(((uint)(i ^ index) - 1u) >> 31);
            var entry = table.Slice(i * n, n);
            for (var j = 0; j < n; j++)
            {
                destination[j] |= entry[j] & mask;
            }
        }
    }

    /// <summary>
    /// result = a * b * R^-1 mod n (CIOS, Koc et al. 1996). Inputs below n give a result below n.
    /// result may alias a or b: they are only read before the final step writes it.
    /// </summary>
    private void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result, Span<ulong> t)
    {
        var n = Limbs;
        var modulus = _n;
        t.Clear();
        for (var i = 0; i < n; i++)
        {
            var bi = b[i];
            ulong carry = 0;
            for (var j = 0; j < n; j++)
            {
                t[j] = MulAdd(a[j], bi, t[j], carry, out carry);
            }

            var sum = t[n] + carry;
            t[n + 1] = Carry(t[n], carry, sum);
            t[n] = sum;

            var m = t[0] * _nPrime;
            MulAdd(m, modulus[0], t[0], 0, out carry);
            for (var j = 1; j < n; j++)
            {
                t[j - 1] = MulAdd(m, modulus[j], t[j], carry, out carry);
            }

            sum = t[n] + carry;
            t[n - 1] = sum;
            t[n] = t[n + 1] + Carry(t[n], carry, sum);
        }

        // t < 2n: subtract n once when t >= n, choosing by mask rather than by branch.
        ulong borrow = 0;
        for (var j = 0; j < n; j++)
        {
            var difference = t[j] - modulus[j];
            var borrowOut = Borrow(t[j], modulus[j], difference);
            var final = difference - borrow;
            borrowOut |= Borrow(difference, borrow, final);
            result[j] = final;
            borrow = borrowOut;
        }

        var keepDifference = 0UL - (t[n] | (borrow ^ 1));
        for (var j = 0; j < n; j++)
        {
            result[j] = (result[j] & keepDifference) | (t[j] & ~keepDifference);
        }
    }

    private bool LessThanModulus(ReadOnlySpan<ulong> value)
    {
        ulong borrow = 0;
        for (var j = 0; j < Limbs; j++)
        {
            var difference = value[j] - _n[j];
            var borrowOut = Borrow(value[j], _n[j], difference);
            var final = difference - borrow;
            borrow = borrowOut | Borrow(difference, borrow, final);
        }

        return borrow == 1;
    }

    /// <summary>Returns the low word of a*b + c + d and the high word in <paramref name="high"/>; never overflows 128 bits.</summary>
    private static ulong MulAdd(ulong a, ulong b, ulong c, ulong d, out ulong high)
    {
        high = Math.BigMul(a, b, out var low);
        var s1 = low + c;
        high += Carry(low, c, s1);
        var s2 = s1 + d;
        high += Carry(s1, d, s2);
        return s2;
    }

    /// <summary>Carry out of sum = x + y, computed without a comparison the JIT could turn into a branch.</summary>
    private static ulong Carry(ulong x, ulong y, ulong sum) => ((x & y) | ((x | y) & ~sum)) >> 63;

    /// <summary>Borrow out of difference = x - y.</summary>
    private static ulong Borrow(ulong x, ulong y, ulong difference) => ((~x & y) | (~(x ^ y) & difference)) >> 63;

    private void Load(ReadOnlySpan<byte> bigEndian, Span<ulong> limbs)
    {
        limbs.Clear();
        if (bigEndian.Length > Limbs * 8)
        {
            // Accept leading zero bytes only (an mpint magnitude never has them, a padded value may).
            var excess = bigEndian.Length - (Limbs * 8);
            var nonZero = 0;
            foreach (var b in bigEndian[..excess])
            {
                nonZero |= b;
            }

            if (nonZero != 0)
            {
                throw new ArgumentException("Value is longer than the modulus", nameof(bigEndian));
            }

            bigEndian = bigEndian[excess..];
        }

        for (var k = 0; k < bigEndian.Length; k++)
        {
            limbs[k / 8] |= (ulong)bigEndian[bigEndian.Length - 1 - k] << (8 * (k % 8));
        }
    }

    private void Store(ReadOnlySpan<ulong> limbs, Span<byte> bigEndian)
    {
        for (var k = 0; k < ByteLength; k++)
        {
            bigEndian[ByteLength - 1 - k] = (byte)(limbs[k / 8] >> (8 * (k % 8)));
        }
    }
}
