using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// The Poly1305 one-time authenticator (RFC 8439 section 2.5), one-shot or incremental. The
/// incremental form lets a caller MAC data that is not contiguous (chacha20-poly1305@openssh.com
/// MACs the encrypted length and the ciphertext) without copying it together.
/// <para>
/// The accumulator h is kept in radix 2^64 (h0 + h1*2^64 + h2*2^128, h2 a few bits) and
/// multiplied with 64x64->128-bit products; all arithmetic on the key and data is
/// branch-free and table-free, so it runs in constant time. A ref struct, so that it lives on
/// the stack and costs no allocation per packet; <see cref="Dispose"/> (or finishing) wipes it.
/// </para>
/// </summary>
public ref partial struct Poly1305 : IDisposable
{
    /// <summary>One-time key length: r (clamped) then s, 16 bytes each.</summary>
    public const int KeySize = 32;

    /// <summary>Tag length.</summary>
    public const int TagSize = 16;

    private const int BlockSize = 16;

    private ulong _r0;
    private ulong _r1;

    // 5/4 * r1. r1 is a multiple of 4 after clamping, so h1*r1*2^128 = h1*(r1/4)*2^130 is
    // congruent to h1*(5*r1/4) mod 2^130-5: the products that overflow 2^128 fold back with s1.
    private ulong _s1;
    private ulong _h0;
    private ulong _h1;
    private ulong _h2;
    private ulong _pad0;
    private ulong _pad1;
    private PartialBlock _buffer;
    private int _buffered;

    /// <summary>Starts a MAC under the 32-byte one-time key r || s.</summary>
    public Poly1305(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("Poly1305 takes a 32-byte one-time key.", nameof(key));
        }

        // RFC 8439 section 2.5: clear the top 4 bits of r[3], r[7], r[11], r[15] and the low 2
        // bits of r[4], r[8], r[12].
        _r0 = BinaryPrimitives.ReadUInt64LittleEndian(key) & 0x0FFFFFFC0FFFFFFF;
        _r1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]) & 0x0FFFFFFC0FFFFFFC;
        _s1 = _r1 + (_r1 >> 2);
        _pad0 = BinaryPrimitives.ReadUInt64LittleEndian(key[16..]);
        _pad1 = BinaryPrimitives.ReadUInt64LittleEndian(key[24..]);
    }

    /// <summary>tag = Poly1305(key, message).</summary>
    public static void ComputeTag(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        var mac = new Poly1305(key);
        mac.Update(message);
        mac.Finish(tag);
    }

    /// <summary>Whether <paramref name="tag"/> is Poly1305(key, message), compared in constant time.</summary>
    public static bool VerifyTag(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> tag)
    {
        var mac = new Poly1305(key);
        mac.Update(message);
        return mac.FinishAndVerify(tag);
    }

    /// <summary>Appends <paramref name="data"/> to the message.</summary>
    public void Update(scoped ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = _buffer;
        if (_buffered > 0)
        {
            int take = Math.Min(BlockSize - _buffered, data.Length);
            data[..take].CopyTo(buffer[_buffered..]);
            _buffered += take;
            data = data[take..];
            if (_buffered < BlockSize)
            {
                return;
            }

            ProcessBlocks(buffer, 1);
            _buffered = 0;
        }

        int whole = data.Length & ~(BlockSize - 1);
        if (whole > 0)
        {
            ProcessBlocks(data[..whole], 1);
            data = data[whole..];
        }

        if (!data.IsEmpty)
        {
            data.CopyTo(buffer);
            _buffered = data.Length;
        }
    }

    /// <summary>Writes the 16-byte tag of everything passed to <see cref="Update"/> and wipes the state.</summary>
    public void Finish(scoped Span<byte> tag)
    {
        if (tag.Length < TagSize)
        {
            throw new ArgumentException("The tag destination must hold 16 bytes.", nameof(tag));
        }

        if (_buffered > 0)
        {
            // RFC 8439 section 2.5: a short final block gets its 0x01 byte right after the
            // message bytes instead of at 2^128.
            Span<byte> buffer = _buffer;
            buffer[_buffered] = 1;
            buffer[(_buffered + 1)..].Clear();
            ProcessBlocks(buffer, 0);
        }

        ulong h0 = _h0, h1 = _h1, h2 = _h2;

        // h < 2^130 + 2^128 < 2p after the last partial reduction, so one conditional
        // subtraction of p = 2^130 - 5 reduces it fully: g = h + 5 reaches 2^130 exactly when
        // h >= p, and then g - 2^130 = h - p. The choice is a mask, not a branch.
        ulong carry = 0;
        ulong g0 = AddWithCarry(h0, 5, ref carry);
        ulong g1 = AddWithCarry(h1, 0, ref carry);
        ulong g2 = h2 + carry;
        ulong useG = 0 - (g2 >> 2);
        h0 = (h0 & ~useG) | (g0 & useG);
        h1 = (h1 & ~useG) | (g1 & useG);

        // tag = (h + s) mod 2^128.
        carry = 0;
        h0 = AddWithCarry(h0, _pad0, ref carry);
        h1 = AddWithCarry(h1, _pad1, ref carry);
        BinaryPrimitives.WriteUInt64LittleEndian(tag, h0);
        BinaryPrimitives.WriteUInt64LittleEndian(tag[8..], h1);
        Clear();
    }

    /// <summary>
    /// Finishes the MAC and returns whether it equals <paramref name="expectedTag"/>, compared in
    /// constant time. A tag of the wrong length never verifies.
    /// </summary>
    public bool FinishAndVerify(scoped ReadOnlySpan<byte> expectedTag)
    {
        Span<byte> computed = stackalloc byte[TagSize];
        Finish(computed);
        bool equal = CryptographicOperations.FixedTimeEquals(computed, expectedTag);
        CryptographicOperations.ZeroMemory(computed);
        return equal;
    }

    /// <summary>Wipes the key and accumulator.</summary>
    public void Dispose() => Clear();

    private void Clear()
    {
        // A store through 'this' (a reference to the caller's variable) is not a dead store
        // the JIT may drop.
        this = default;
    }

    /// <summary>h = (h + m + padBit*2^128) * r mod 2^130-5 (partially reduced) for each 16-byte block m.</summary>
    private void ProcessBlocks(scoped ReadOnlySpan<byte> data, ulong padBit)
    {
        if (padBit != 0 && data.Length >= VectorThreshold && Avx2.IsSupported)
        {
            int vectorBytes = data.Length & ~(VectorStride - 1);
            ProcessBlocksAvx2(data[..vectorBytes]);
            data = data[vectorBytes..];
        }

        ulong r0 = _r0, r1 = _r1, s1 = _s1;
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint end = (nuint)data.Length;

        for (nuint i = 0; i < end; i += BlockSize)
        {
            ulong carry = 0;
            h0 = AddWithCarry(h0, ReadLittleEndian(ref p, i), ref carry);
            h1 = AddWithCarry(h1, ReadLittleEndian(ref p, i + 8), ref carry);
            h2 += carry + padBit;
            MultiplyReduce(ref h0, ref h1, ref h2, r0, r1, s1);
        }

        _h0 = h0;
        _h1 = h1;
        _h2 = h2;
    }

    /// <summary>
    /// h = h * r mod 2^130-5, partially reduced: on return h2 &lt;= 4, so h &lt; 2^130 + 2^128.
    /// Needs h2 &lt;= 10 on entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyReduce(ref ulong h0, ref ulong h1, ref ulong h2, ulong r0, ulong r1, ulong s1)
    {
        // With h2 <= 10, r0, r1 < 2^60 and s1 < 1.25 * 2^60 every high word stays below 2^64
        // without further carries: d0 < 2^126, d1 < 2^126 and d2 < 2^64.
        ulong d0Hi = Multiply(h0, r0, out ulong d0Lo);
        ulong tHi = Multiply(h1, s1, out ulong tLo);
        ulong carry = 0;
        d0Lo = AddWithCarry(d0Lo, tLo, ref carry);
        d0Hi += tHi + carry;

        ulong d1Hi = Multiply(h0, r1, out ulong d1Lo);
        tHi = Multiply(h1, r0, out tLo);
        carry = 0;
        d1Lo = AddWithCarry(d1Lo, tLo, ref carry);
        d1Hi += tHi + carry;
        carry = 0;
        d1Lo = AddWithCarry(d1Lo, (h2 * s1) + d0Hi, ref carry);
        d1Hi += carry;

        ulong d2 = (h2 * r0) + d1Hi;

        // Partial reduction: the bits from 2^130 up are worth 5 times as much at 2^0
        // (2^130 = 5 mod p); (d2 & ~3) + (d2 >> 2) is 5 * (d2 >> 2) scaled to 2^128 / 4.
        ulong fold = (d2 & ~3UL) + (d2 >> 2);
        carry = 0;
        h0 = AddWithCarry(d0Lo, fold, ref carry);
        h1 = AddWithCarry(d1Lo, 0, ref carry);
        h2 = (d2 & 3) + carry;
    }

    /// <summary>a + b + carry, with the carry out computed from the top bits rather than a comparison, so no branch can depend on the data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddWithCarry(ulong a, ulong b, ref ulong carry)
    {
        ulong sum = a + b + carry;
        carry = ((a & b) | ((a | b) & ~sum)) >> 63;
        return sum;
    }

    /// <summary>The 128-bit product a * b: returns the high word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Multiply(ulong a, ulong b, out ulong low)
    {
        // Math.BigMul's out parameter goes through memory on x64; mulx for the high word and
        // imul for the low one keep both in registers.
        if (Bmi2.X64.IsSupported)
        {
            low = a * b;
            return Bmi2.X64.MultiplyNoFlags(a, b);
        }

        return Math.BigMul(a, b, out low);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadLittleEndian(ref byte p, nuint offset)
    {
        ulong value = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, offset));
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    /// <summary>Bytes of a block not yet processed because more may follow.</summary>
    [InlineArray(16)]
    private struct PartialBlock
    {
        private byte _byte;
    }
}
