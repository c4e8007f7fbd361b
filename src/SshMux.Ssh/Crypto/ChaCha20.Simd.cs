using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SshMux.Ssh.Crypto;

/// <summary>
/// The SIMD paths of <see cref="ChaCha20"/>. They keep the state "vertically": vector j holds
/// word j of 4 or 8 consecutive blocks, so every quarter round of RFC 8439 section 2.1 is
/// a handful of lane-wise operations with no shuffling between lanes, and the blocks are only
/// transposed back into byte order at the end.
/// </summary>
public static partial class ChaCha20
{
    /// <summary>XORs 8 consecutive keystream blocks (512 bytes) over src into dst. Needs AVX2.</summary>
    private static void XorBlocks8(ref State state, ref byte src, ref byte dst)
    {
        Vector256<uint> x0 = Vector256.Create(state[0]), x1 = Vector256.Create(state[1]);
        Vector256<uint> x2 = Vector256.Create(state[2]), x3 = Vector256.Create(state[3]);
        Vector256<uint> x4 = Vector256.Create(state[4]), x5 = Vector256.Create(state[5]);
        Vector256<uint> x6 = Vector256.Create(state[6]), x7 = Vector256.Create(state[7]);
        Vector256<uint> x8 = Vector256.Create(state[8]), x9 = Vector256.Create(state[9]);
        Vector256<uint> x10 = Vector256.Create(state[10]), x11 = Vector256.Create(state[11]);
        Vector256<uint> x14 = Vector256.Create(state[14]), x15 = Vector256.Create(state[15]);

        // Lane i runs block counter + i; a lane whose low word wrapped carries into word 13
        // (the original layout's 64-bit counter; the RFC 8439 layout never wraps here).
        Vector256<uint> low = Vector256.Create(state[12]);
        Vector256<uint> x12 = low + Vector256.Create(0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u);
        Vector256<uint> x13 = Vector256.Create(state[13]) - Vector256.LessThan(x12, low);
        Vector256<uint> counter12 = x12, counter13 = x13;

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

        x0 += Vector256.Create(state[0]);
        x1 += Vector256.Create(state[1]);
        x2 += Vector256.Create(state[2]);
        x3 += Vector256.Create(state[3]);
        x4 += Vector256.Create(state[4]);
        x5 += Vector256.Create(state[5]);
        x6 += Vector256.Create(state[6]);
        x7 += Vector256.Create(state[7]);
        x8 += Vector256.Create(state[8]);
        x9 += Vector256.Create(state[9]);
        x10 += Vector256.Create(state[10]);
        x11 += Vector256.Create(state[11]);
        x12 += counter12;
        x13 += counter13;
        x14 += Vector256.Create(state[14]);
        x15 += Vector256.Create(state[15]);

        // Words 0-7 give the first 32 bytes of every block, words 8-15 the last 32.
        XorHalfBlocks8(ref src, ref dst, 0, x0, x1, x2, x3, x4, x5, x6, x7);
        XorHalfBlocks8(ref src, ref dst, 32, x8, x9, x10, x11, x12, x13, x14, x15);
    }

    /// <summary>
    /// Turns words w..w+7 of 8 blocks (one vector per word, one lane per block) into the 32
    /// bytes at <paramref name="offset"/> of each block and XORs them over src into dst.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorHalfBlocks8(
        ref byte src,
        ref byte dst,
        int offset,
        Vector256<uint> a,
        Vector256<uint> b,
        Vector256<uint> c,
        Vector256<uint> d,
        Vector256<uint> e,
        Vector256<uint> f,
        Vector256<uint> g,
        Vector256<uint> h)
    {
        // After these, a holds words w..w+3 of block 0 in its low half and of block 4 in its
        // high half, b blocks 1 and 5, c 2 and 6, d 3 and 7; e..h likewise for words w+4..w+7.
        Transpose4x4(ref a, ref b, ref c, ref d);
        Transpose4x4(ref e, ref f, ref g, ref h);
        XorStore(ref src, ref dst, offset + 0 * BlockSize, Avx2.Permute2x128(a, e, 0x20));
        XorStore(ref src, ref dst, offset + 1 * BlockSize, Avx2.Permute2x128(b, f, 0x20));
        XorStore(ref src, ref dst, offset + 2 * BlockSize, Avx2.Permute2x128(c, g, 0x20));
        XorStore(ref src, ref dst, offset + 3 * BlockSize, Avx2.Permute2x128(d, h, 0x20));
        XorStore(ref src, ref dst, offset + 4 * BlockSize, Avx2.Permute2x128(a, e, 0x31));
        XorStore(ref src, ref dst, offset + 5 * BlockSize, Avx2.Permute2x128(b, f, 0x31));
        XorStore(ref src, ref dst, offset + 6 * BlockSize, Avx2.Permute2x128(c, g, 0x31));
        XorStore(ref src, ref dst, offset + 7 * BlockSize, Avx2.Permute2x128(d, h, 0x31));
    }

    /// <summary>Transposes the 4x4 word matrix in each 128-bit half of a..d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        Vector256<uint> ab0 = Avx2.UnpackLow(a, b), ab1 = Avx2.UnpackHigh(a, b);
        Vector256<uint> cd0 = Avx2.UnpackLow(c, d), cd1 = Avx2.UnpackHigh(c, d);
        a = Avx2.UnpackLow(ab0.AsUInt64(), cd0.AsUInt64()).AsUInt32();
        b = Avx2.UnpackHigh(ab0.AsUInt64(), cd0.AsUInt64()).AsUInt32();
        c = Avx2.UnpackLow(ab1.AsUInt64(), cd1.AsUInt64()).AsUInt32();
        d = Avx2.UnpackHigh(ab1.AsUInt64(), cd1.AsUInt64()).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStore(ref byte src, ref byte dst, int offset, Vector256<uint> keystream)
    {
        Vector256<byte> value = Vector256.LoadUnsafe(ref src, (nuint)offset) ^ keystream.AsByte();
        value.StoreUnsafe(ref dst, (nuint)offset);
    }

    /// <summary>RFC 8439 section 2.1 on 8 blocks at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        a += b; d ^= a; d = RotateLeft16(d);
        c += d; b ^= c; b = RotateLeft(b, 12);
        a += b; d ^= a; d = RotateLeft8(d);
        c += d; b ^= c; b = RotateLeft(b, 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft(Vector256<uint> x, [ConstantExpected(Min = 1, Max = 31)] byte count) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, count) : (x << count) | (x >>> (32 - count));

    // Rotations by whole bytes are one byte shuffle (pshufb) without AVX-512's vprold.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft16(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 16)
        : Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft8(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 8)
        : Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32();

    /// <summary>XORs 4 consecutive keystream blocks (256 bytes) over src into dst. Needs SSE2 or AdvSimd on Arm64.</summary>
    private static void XorBlocks4(ref State state, ref byte src, ref byte dst)
    {
        Vector128<uint> x0 = Vector128.Create(state[0]), x1 = Vector128.Create(state[1]);
        Vector128<uint> x2 = Vector128.Create(state[2]), x3 = Vector128.Create(state[3]);
        Vector128<uint> x4 = Vector128.Create(state[4]), x5 = Vector128.Create(state[5]);
        Vector128<uint> x6 = Vector128.Create(state[6]), x7 = Vector128.Create(state[7]);
        Vector128<uint> x8 = Vector128.Create(state[8]), x9 = Vector128.Create(state[9]);
        Vector128<uint> x10 = Vector128.Create(state[10]), x11 = Vector128.Create(state[11]);
        Vector128<uint> x14 = Vector128.Create(state[14]), x15 = Vector128.Create(state[15]);

        Vector128<uint> low = Vector128.Create(state[12]);
        Vector128<uint> x12 = low + Vector128.Create(0u, 1u, 2u, 3u);
        Vector128<uint> x13 = Vector128.Create(state[13]) - Vector128.LessThan(x12, low);
        Vector128<uint> counter12 = x12, counter13 = x13;

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

        x0 += Vector128.Create(state[0]);
        x1 += Vector128.Create(state[1]);
        x2 += Vector128.Create(state[2]);
        x3 += Vector128.Create(state[3]);
        x4 += Vector128.Create(state[4]);
        x5 += Vector128.Create(state[5]);
        x6 += Vector128.Create(state[6]);
        x7 += Vector128.Create(state[7]);
        x8 += Vector128.Create(state[8]);
        x9 += Vector128.Create(state[9]);
        x10 += Vector128.Create(state[10]);
        x11 += Vector128.Create(state[11]);
        x12 += counter12;
        x13 += counter13;
        x14 += Vector128.Create(state[14]);
        x15 += Vector128.Create(state[15]);

        XorQuarterBlocks4(ref src, ref dst, 0, x0, x1, x2, x3);
        XorQuarterBlocks4(ref src, ref dst, 16, x4, x5, x6, x7);
        XorQuarterBlocks4(ref src, ref dst, 32, x8, x9, x10, x11);
        XorQuarterBlocks4(ref src, ref dst, 48, x12, x13, x14, x15);
    }

    /// <summary>Turns words w..w+3 of 4 blocks into the 16 bytes at <paramref name="offset"/> of each block and XORs them over src into dst.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorQuarterBlocks4(ref byte src, ref byte dst, int offset, Vector128<uint> a, Vector128<uint> b, Vector128<uint> c, Vector128<uint> d)
    {
        Vector128<uint> ab0 = InterleaveLow(a, b), ab1 = InterleaveHigh(a, b);
        Vector128<uint> cd0 = InterleaveLow(c, d), cd1 = InterleaveHigh(c, d);
        XorStore(ref src, ref dst, offset + 0 * BlockSize, InterleaveLow(ab0.AsUInt64(), cd0.AsUInt64()));
        XorStore(ref src, ref dst, offset + 1 * BlockSize, InterleaveHigh(ab0.AsUInt64(), cd0.AsUInt64()));
        XorStore(ref src, ref dst, offset + 2 * BlockSize, InterleaveLow(ab1.AsUInt64(), cd1.AsUInt64()));
        XorStore(ref src, ref dst, offset + 3 * BlockSize, InterleaveHigh(ab1.AsUInt64(), cd1.AsUInt64()));
    }

    // punpckl/h on x86 and zip1/zip2 on Arm64 are the same interleave.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> InterleaveLow(Vector128<uint> a, Vector128<uint> b) =>
        Sse2.IsSupported ? Sse2.UnpackLow(a, b) : AdvSimd.Arm64.ZipLow(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> InterleaveHigh(Vector128<uint> a, Vector128<uint> b) =>
        Sse2.IsSupported ? Sse2.UnpackHigh(a, b) : AdvSimd.Arm64.ZipHigh(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> InterleaveLow(Vector128<ulong> a, Vector128<ulong> b) =>
        Sse2.IsSupported ? Sse2.UnpackLow(a, b) : AdvSimd.Arm64.ZipLow(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> InterleaveHigh(Vector128<ulong> a, Vector128<ulong> b) =>
        Sse2.IsSupported ? Sse2.UnpackHigh(a, b) : AdvSimd.Arm64.ZipHigh(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStore(ref byte src, ref byte dst, int offset, Vector128<ulong> keystream)
    {
        Vector128<byte> value = Vector128.LoadUnsafe(ref src, (nuint)offset) ^ keystream.AsByte();
        value.StoreUnsafe(ref dst, (nuint)offset);
    }

    /// <summary>RFC 8439 section 2.1 on 4 blocks at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        a += b; d ^= a; d = RotateLeft16(d);
        c += d; b ^= c; b = RotateLeft(b, 12);
        a += b; d ^= a; d = RotateLeft8(d);
        c += d; b ^= c; b = RotateLeft(b, 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateLeft(Vector128<uint> x, [ConstantExpected(Min = 1, Max = 31)] byte count) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, count) : (x << count) | (x >>> (32 - count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateLeft16(Vector128<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 16)
        : Ssse3.IsSupported ? Ssse3.Shuffle(x.AsByte(), Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32()
        : (x << 16) | (x >>> 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateLeft8(Vector128<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 8)
        : Ssse3.IsSupported ? Ssse3.Shuffle(x.AsByte(), Vector128.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32()
        : (x << 8) | (x >>> 24);
}
