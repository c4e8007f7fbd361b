using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// The Blowfish block cipher (Schneier, 1993) with the two key-schedule primitives that
/// bcrypt's "eksblowfish" adds: <see cref="ExpandState"/> (key and salt) and
/// <see cref="Expand0State"/> (key only). Only bcrypt_pbkdf uses it, so it exposes the state
/// operations rather than a general cipher API.
/// </summary>
/// <remarks>
/// S-box lookups are indexed by data, which is inherent to Blowfish (and therefore to bcrypt);
/// the inputs here are hashes of the passphrase, and the cost is in the work factor.
/// </remarks>
internal sealed class Blowfish
{
    private const int Rounds = 16;
    private const int PSize = Rounds + 2;
    private const int SBoxSize = 256;
    private const int StateWords = PSize + (4 * SBoxSize);

    // P at [0, 18), then the four S-boxes, so one array (and one bounds check) holds it all.
    private const int S0 = PSize;
    private const int S1 = S0 + SBoxSize;
    private const int S2 = S1 + SBoxSize;
    private const int S3 = S2 + SBoxSize;

    private readonly uint[] _state = new uint[StateWords];

    /// <summary>
    /// The initial P-array and S-boxes are the hexadecimal digits of the fractional part of pi
    /// (Schneier's "nothing up my sleeve" constants). They are computed once rather than pasted
    /// in as a table; the published Blowfish test vectors confirm every word.
    /// </summary>
    private static readonly uint[] PiWords = ComputePiWords(StateWords);

    /// <summary>Blowfish_initstate: resets P and S to the pi digits.</summary>
    public void InitState() => PiWords.CopyTo(_state, 0);

    /// <summary>The standard Blowfish key schedule (expand0state on a fresh state).</summary>
    public void SetKey(ReadOnlySpan<byte> key)
    {
        InitState();
        Expand0State(key);
    }

    /// <summary>
    /// eksblowfish ExpandKey(state, salt, key): P ^= key words, then every P and S entry is
    /// replaced by the running encryption of the previous block XORed with salt words.
    /// </summary>
    public void ExpandState(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        ArgumentOutOfRangeException.ThrowIfZero(data.Length);
        XorKeyIntoP(key);

        var position = 0;
        uint left = 0, right = 0;
        ref var state = ref MemoryMarshal.GetArrayDataReference(_state);
        for (var i = 0; i < StateWords; i += 2)
        {
            left ^= StreamToWord(data, ref position);
            right ^= StreamToWord(data, ref position);
            Encipher(ref state, ref left, ref right);
            Unsafe.Add(ref state, i) = left;
            Unsafe.Add(ref state, i + 1) = right;
        }
    }

    /// <summary>eksblowfish ExpandKey(state, 0, key): as <see cref="ExpandState"/> with an all-zero salt.</summary>
    public void Expand0State(ReadOnlySpan<byte> key)
    {
        XorKeyIntoP(key);

        uint left = 0, right = 0;
        ref var state = ref MemoryMarshal.GetArrayDataReference(_state);
        for (var i = 0; i < StateWords; i += 2)
        {
            Encipher(ref state, ref left, ref right);
            Unsafe.Add(ref state, i) = left;
            Unsafe.Add(ref state, i + 1) = right;
        }
    }

    /// <summary>Encrypts consecutive (left, right) word pairs in place (blf_enc).</summary>
    public void EncryptWords(Span<uint> words)
    {
        if ((words.Length & 1) != 0)
        {
            throw new ArgumentException("Blowfish works on pairs of 32-bit words", nameof(words));
        }

        ref var state = ref MemoryMarshal.GetArrayDataReference(_state);
        for (var i = 0; i < words.Length; i += 2)
        {
            Encipher(ref state, ref words[i], ref words[i + 1]);
        }
    }

    /// <summary>Encrypts one 8-byte block (big-endian halves, as the published vectors use).</summary>
    public void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var left = BinaryPrimitives.ReadUInt32BigEndian(input);
        var right = BinaryPrimitives.ReadUInt32BigEndian(input[4..]);
        Encipher(ref MemoryMarshal.GetArrayDataReference(_state), ref left, ref right);
        BinaryPrimitives.WriteUInt32BigEndian(output, left);
        BinaryPrimitives.WriteUInt32BigEndian(output[4..], right);
    }

    /// <summary>Overwrites the key-dependent state.</summary>
    public void Clear() => Array.Clear(_state);

    private void XorKeyIntoP(ReadOnlySpan<byte> key)
    {
        ArgumentOutOfRangeException.ThrowIfZero(key.Length);
        var position = 0;
        for (var i = 0; i < PSize; i++)
        {
            _state[i] ^= StreamToWord(key, ref position);
        }
    }

    /// <summary>Blowfish_stream2word: the next 4 bytes of data, big-endian, wrapping around.</summary>
    internal static uint StreamToWord(ReadOnlySpan<byte> data, ref int position)
    {
        uint word = 0;
        for (var i = 0; i < 4; i++)
        {
            if (position >= data.Length)
            {
                position = 0;
            }

            word = (word << 8) | data[position++];
        }

        return word;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint F(ref uint state, uint x) =>
        ((Unsafe.Add(ref state, S0 + (int)(x >> 24)) + Unsafe.Add(ref state, S1 + (int)((x >> 16) & 0xff)))
            ^ Unsafe.Add(ref state, S2 + (int)((x >> 8) & 0xff)))
        + Unsafe.Add(ref state, S3 + (int)(x & 0xff));

    // Every index is a byte offset into a fixed 1042-word array, so the unchecked reads stay in bounds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Encipher(ref uint state, ref uint left, ref uint right)
    {
        var l = left;
        var r = right;
        l ^= state;
        for (var i = 1; i <= Rounds; i += 2)
        {
            r ^= F(ref state, l) ^ Unsafe.Add(ref state, i);
            l ^= F(ref state, r) ^ Unsafe.Add(ref state, i + 1);
        }

        r ^= Unsafe.Add(ref state, Rounds + 1);
        left = r;
        right = l;
    }

    /// <summary>
    /// The first <paramref name="count"/> 32-bit words of frac(pi), from Machin's formula
    /// pi = 16 atan(1/5) - 4 atan(1/239) in fixed point with guard bits for the truncations.
    /// </summary>
    private static uint[] ComputePiWords(int count)
    {
        const int GuardBits = 64;
        var fractionBits = count * 32;
        var one = BigInteger.One << (fractionBits + GuardBits);
        var pi = (16 * ArcTanOfInverse(5, one)) - (4 * ArcTanOfInverse(239, one));

        var fraction = (pi >> GuardBits) & ((BigInteger.One << fractionBits) - 1);
        var bytes = fraction.ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[count * 4];
        bytes.CopyTo(padded, padded.Length - bytes.Length);

        var words = new uint[count];
        for (var i = 0; i < count; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32BigEndian(padded.AsSpan(i * 4));
        }

        return words;
    }

    /// <summary>atan(1/x) * one by the Taylor series 1/x - 1/(3x^3) + 1/(5x^5) - ...</summary>
    private static BigInteger ArcTanOfInverse(int x, BigInteger one)
    {
        var xSquared = x * x;
        var power = one / x;
        var sum = power;
        var divisor = 1;
        var sign = 1;
        while (!power.IsZero)
        {
            power /= xSquared;
            divisor += 2;
            sign = -sign;
            sum += sign * (power / divisor);
        }

        return sum;
    }
}
