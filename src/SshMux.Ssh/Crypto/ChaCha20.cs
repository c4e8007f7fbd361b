using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// The ChaCha20 stream cipher (RFC 8439 sections 2.3 and 2.4). The nonce length selects one of
/// the two state layouts in use:
/// <list type="bullet">
/// <item>a 12-byte nonce gives the RFC 8439 layout: word 12 is a 32-bit block counter, words
/// 13-15 the nonce; the block counter must not wrap (RFC 8439 section 2.3 limits a
/// key/nonce pair to 2^32 blocks);</item>
/// <item>an 8-byte nonce gives Bernstein's original layout, which chacha20-poly1305@openssh.com
/// uses (OpenSSH PROTOCOL.chacha20poly1305): words 12-13 are a 64-bit little-endian block
/// counter, words 14-15 the nonce.</item>
/// </list>
/// The keystream starts at the given block counter. Every operation is constant time in the
/// key and the data; the SIMD paths process 4 (Vector128) or 8 (Vector256) blocks at a time.
/// </summary>
public static partial class ChaCha20
{
    /// <summary>Key length in bytes (256-bit keys only).</summary>
    public const int KeySize = 32;

    /// <summary>Bytes of keystream one block counter value produces.</summary>
    public const int BlockSize = 64;

    /// <summary>Nonce length of the RFC 8439 layout (32-bit block counter).</summary>
    public const int NonceSize = 12;

    /// <summary>Nonce length of the original layout (64-bit block counter), as OpenSSH uses it.</summary>
    public const int OriginalNonceSize = 8;

    /// <summary>
    /// destination = source XOR keystream(key, nonce) starting at block <paramref name="blockCounter"/>.
    /// <paramref name="destination"/> may be the same memory as <paramref name="source"/> but must
    /// not otherwise overlap it.
    /// </summary>
    public static void Xor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ulong blockCounter, ReadOnlySpan<byte> source, Span<byte> destination) =>
        Xor(key, nonce, blockCounter, source, destination, BestPath);

    /// <summary>Encrypts or decrypts <paramref name="buffer"/> in place; see <see cref="Xor(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ulong, ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    public static void Xor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ulong blockCounter, Span<byte> buffer) =>
        Xor(key, nonce, blockCounter, buffer, buffer, BestPath);

    /// <summary>Writes the 64-byte keystream block number <paramref name="blockCounter"/> (the RFC 8439 section 2.3 block function).</summary>
    public static void Block(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ulong blockCounter, Span<byte> destination)
    {
        if (destination.Length < BlockSize)
        {
            throw new ArgumentException("The destination must hold a 64-byte block.", nameof(destination));
        }

        var state = default(State);
        Initialize(ref state, key, nonce, blockCounter, BlockSize);
        destination[..BlockSize].Clear();
        XorBlockScalar(ref state, destination, destination);
        ZeroState(ref state);
    }

    /// <summary>The implementation to use: one of the SIMD paths when the hardware supports it.</summary>
    internal static ChaCha20Path BestPath { get; } =
        !BitConverter.IsLittleEndian ? ChaCha20Path.Scalar
        : Avx2.IsSupported ? ChaCha20Path.Simd256
        : Sse2.IsSupported || AdvSimd.Arm64.IsSupported ? ChaCha20Path.Simd128
        : ChaCha20Path.Scalar;

    /// <summary>Whether <paramref name="path"/> can run on this machine (tests force each one in turn).</summary>
    internal static bool IsSupported(ChaCha20Path path) => path <= BestPath;

    /// <summary><see cref="Xor(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ulong, ReadOnlySpan{byte}, Span{byte})"/> restricted to the given implementation.</summary>
    internal static void Xor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ulong blockCounter, ReadOnlySpan<byte> source, Span<byte> destination, ChaCha20Path path)
    {
        if (destination.Length != source.Length)
        {
            throw new ArgumentException("The destination must be as long as the source.", nameof(destination));
        }

        // The SIMD paths read a whole stripe before writing it, which is safe only when the
        // spans coincide exactly.
        if (source.Overlaps(destination, out int elementOffset) && elementOffset != 0)
        {
            throw new ArgumentException("The destination overlaps the source at a different offset.", nameof(destination));
        }

        if (!IsSupported(path))
        {
            throw new PlatformNotSupportedException($"ChaCha20 path {path} is not supported on this machine.");
        }

        var state = default(State);
        Initialize(ref state, key, nonce, blockCounter, source.Length);
        try
        {
            Process(ref state, source, destination, path);
        }
        finally
        {
            ZeroState(ref state);
        }
    }

    private static void Initialize(ref State state, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ulong blockCounter, int length)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("ChaCha20 takes a 32-byte key.", nameof(key));
        }

        // RFC 8439 section 2.3: "expand 32-byte k", then the key as little-endian words.
        state[0] = 0x61707865;
        state[1] = 0x3320646e;
        state[2] = 0x79622d32;
        state[3] = 0x6b206574;
        for (int i = 0; i < 8; i++)
        {
            state[4 + i] = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i, 4));
        }

        if (nonce.Length == NonceSize)
        {
            // RFC 8439 section 2.3: the counter is one word; refuse rather than let it run into
            // the nonce or wrap (section 2.4 bounds a message to 2^32 blocks).
            ulong blocks = ((ulong)length + BlockSize - 1) / BlockSize;
            if (blockCounter > uint.MaxValue || blockCounter + blocks > 1UL << 32)
            {
                throw new ArgumentOutOfRangeException(nameof(blockCounter), "The RFC 8439 32-bit block counter would wrap.");
            }

            state[12] = (uint)blockCounter;
            state[13] = BinaryPrimitives.ReadUInt32LittleEndian(nonce);
            state[14] = BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]);
            state[15] = BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]);
        }
        else if (nonce.Length == OriginalNonceSize)
        {
            // Original ChaCha: a 64-bit counter in words 12-13 (low word first), as OpenSSH's
            // chacha_ivsetup lays it out.
            state[12] = (uint)blockCounter;
            state[13] = (uint)(blockCounter >> 32);
            state[14] = BinaryPrimitives.ReadUInt32LittleEndian(nonce);
            state[15] = BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]);
        }
        else
        {
            throw new ArgumentException("ChaCha20 takes a 12-byte (RFC 8439) or 8-byte (original) nonce.", nameof(nonce));
        }
    }

    private static void Process(ref State state, ReadOnlySpan<byte> source, Span<byte> destination, ChaCha20Path path)
    {
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        int length = source.Length;
        int offset = 0;

        if (path == ChaCha20Path.Simd256)
        {
            for (; length - offset >= 8 * BlockSize; offset += 8 * BlockSize)
            {
                XorBlocks8(ref state, ref Unsafe.Add(ref src, offset), ref Unsafe.Add(ref dst, offset));
                AdvanceCounter(ref state, 8);
            }
        }

        if (path >= ChaCha20Path.Simd128)
        {
            for (; length - offset >= 4 * BlockSize; offset += 4 * BlockSize)
            {
                XorBlocks4(ref state, ref Unsafe.Add(ref src, offset), ref Unsafe.Add(ref dst, offset));
                AdvanceCounter(ref state, 4);
            }
        }

        for (; length - offset >= BlockSize; offset += BlockSize)
        {
            XorBlockScalar(ref state, source.Slice(offset, BlockSize), destination.Slice(offset, BlockSize));
            AdvanceCounter(ref state, 1);
        }

        if (offset < length)
        {
            // The final partial block: take a whole keystream block and use its prefix
            // (RFC 8439 section 2.4.1 discards the rest), then wipe it.
            Span<byte> keystream = stackalloc byte[BlockSize];
            keystream.Clear();
            XorBlockScalar(ref state, keystream, keystream);
            int rest = length - offset;
            for (int i = 0; i < rest; i++)
            {
                destination[offset + i] = (byte)(source[offset + i] ^ keystream[i]);
            }

            CryptographicOperations.ZeroMemory(keystream);
        }
    }

    /// <summary>
    /// Moves the block counter on by <paramref name="blocks"/>. The carry into word 13 is the
    /// original layout's 64-bit counter; with the RFC 8439 layout <see cref="Initialize"/> has
    /// ruled out a wrap before the last block, so word 13 (nonce) is never used after a carry.
    /// </summary>
    private static void AdvanceCounter(ref State state, uint blocks)
    {
        uint low = state[12] + blocks;
        state[13] += low < blocks ? 1u : 0u;
        state[12] = low;
    }

    /// <summary>destination = source XOR one keystream block (64 bytes each); the two may be the same memory.</summary>
    private static void XorBlockScalar(ref State state, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        uint x0 = state[0], x1 = state[1], x2 = state[2], x3 = state[3];
        uint x4 = state[4], x5 = state[5], x6 = state[6], x7 = state[7];
        uint x8 = state[8], x9 = state[9], x10 = state[10], x11 = state[11];
        uint x12 = state[12], x13 = state[13], x14 = state[14], x15 = state[15];

        // RFC 8439 section 2.3: 20 rounds, alternating column and diagonal rounds.
        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        XorWord(source, destination, 0, x0 + state[0]);
        XorWord(source, destination, 1, x1 + state[1]);
        XorWord(source, destination, 2, x2 + state[2]);
        XorWord(source, destination, 3, x3 + state[3]);
        XorWord(source, destination, 4, x4 + state[4]);
        XorWord(source, destination, 5, x5 + state[5]);
        XorWord(source, destination, 6, x6 + state[6]);
        XorWord(source, destination, 7, x7 + state[7]);
        XorWord(source, destination, 8, x8 + state[8]);
        XorWord(source, destination, 9, x9 + state[9]);
        XorWord(source, destination, 10, x10 + state[10]);
        XorWord(source, destination, 11, x11 + state[11]);
        XorWord(source, destination, 12, x12 + state[12]);
        XorWord(source, destination, 13, x13 + state[13]);
        XorWord(source, destination, 14, x14 + state[14]);
        XorWord(source, destination, 15, x15 + state[15]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorWord(ReadOnlySpan<byte> source, Span<byte> destination, int word, uint keystream)
    {
        // Keystream words serialize little-endian (RFC 8439 section 2.3).
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(source.Slice(4 * word, 4)) ^ keystream;
        BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(4 * word, 4), value);
    }

    /// <summary>RFC 8439 section 2.1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d ^= a; d = uint.RotateLeft(d, 16);
        c += d; b ^= c; b = uint.RotateLeft(b, 12);
        a += b; d ^= a; d = uint.RotateLeft(d, 8);
        c += d; b ^= c; b = uint.RotateLeft(b, 7);
    }

    private static void ZeroState(ref State state) =>
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes((Span<uint>)state));

    /// <summary>The 16-word ChaCha input block (RFC 8439 section 2.3).</summary>
    [InlineArray(16)]
    private struct State
    {
        private uint _word;
    }
}

/// <summary>The ChaCha20 implementations, slowest first; <see cref="ChaCha20.BestPath"/> is the fastest this machine runs.</summary>
internal enum ChaCha20Path
{
    Scalar,
    Simd128,
    Simd256,
}
