using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SshMux.Ssh.Crypto;

/// <summary>The AVX-512 path of <see cref="ChaCha20"/>: 16 blocks at a time, laid out like the other SIMD paths.</summary>
public static partial class ChaCha20
{
    /// <summary>XORs 16 consecutive keystream blocks (1024 bytes) over src into dst. Needs AVX-512F.</summary>
    private static void XorBlocks16(ref State state, ref byte src, ref byte dst)
    {
        Vector512<uint> x0 = Vector512.Create(state[0]), x1 = Vector512.Create(state[1]);
        Vector512<uint> x2 = Vector512.Create(state[2]), x3 = Vector512.Create(state[3]);
        Vector512<uint> x4 = Vector512.Create(state[4]), x5 = Vector512.Create(state[5]);
        Vector512<uint> x6 = Vector512.Create(state[6]), x7 = Vector512.Create(state[7]);
        Vector512<uint> x8 = Vector512.Create(state[8]), x9 = Vector512.Create(state[9]);
        Vector512<uint> x10 = Vector512.Create(state[10]), x11 = Vector512.Create(state[11]);
        Vector512<uint> x14 = Vector512.Create(state[14]), x15 = Vector512.Create(state[15]);

        // Lane i runs block counter + i, carrying into word 13 as in XorBlocks8.
        Vector512<uint> low = Vector512.Create(state[12]);
        Vector512<uint> x12 = low + Vector512.Create(0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 14u, 15u);
        Vector512<uint> x13 = Vector512.Create(state[13]) - Vector512.LessThan(x12, low);
        Vector512<uint> counter12 = x12, counter13 = x13;

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

        x0 += Vector512.Create(state[0]);
        x1 += Vector512.Create(state[1]);
        x2 += Vector512.Create(state[2]);
        x3 += Vector512.Create(state[3]);
        x4 += Vector512.Create(state[4]);
        x5 += Vector512.Create(state[5]);
        x6 += Vector512.Create(state[6]);
        x7 += Vector512.Create(state[7]);
        x8 += Vector512.Create(state[8]);
        x9 += Vector512.Create(state[9]);
        x10 += Vector512.Create(state[10]);
        x11 += Vector512.Create(state[11]);
        x12 += counter12;
        x13 += counter13;
        x14 += Vector512.Create(state[14]);
        x15 += Vector512.Create(state[15]);

        // After the in-lane transposes, vector t of word group g holds, in 128-bit lane L,
        // words 4g..4g+3 of block 4L + t.
        Transpose4x4(ref x0, ref x1, ref x2, ref x3);
        Transpose4x4(ref x4, ref x5, ref x6, ref x7);
        Transpose4x4(ref x8, ref x9, ref x10, ref x11);
        Transpose4x4(ref x12, ref x13, ref x14, ref x15);
        XorBlocksOfLanes(ref src, ref dst, 0, x0, x4, x8, x12);
        XorBlocksOfLanes(ref src, ref dst, 1, x1, x5, x9, x13);
        XorBlocksOfLanes(ref src, ref dst, 2, x2, x6, x10, x14);
        XorBlocksOfLanes(ref src, ref dst, 3, x3, x7, x11, x15);
    }

    /// <summary>
    /// Gathers lane L of a, b, c, d (words 0-3, 4-7, 8-11, 12-15 of block 4L + t) into whole
    /// blocks with a 4x4 transpose of 128-bit lanes, and XORs them over src into dst.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorBlocksOfLanes(ref byte src, ref byte dst, int t, Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d)
    {
        // vshufi32x4: 0x44 takes lanes 0,1 of each source, 0xEE lanes 2,3; 0x88 the even
        // lanes, 0xDD the odd ones.
        Vector512<uint> ab01 = Avx512F.Shuffle4x128(a, b, 0x44), ab23 = Avx512F.Shuffle4x128(a, b, 0xEE);
        Vector512<uint> cd01 = Avx512F.Shuffle4x128(c, d, 0x44), cd23 = Avx512F.Shuffle4x128(c, d, 0xEE);
        XorStore(ref src, ref dst, (0 + t) * BlockSize, Avx512F.Shuffle4x128(ab01, cd01, 0x88));
        XorStore(ref src, ref dst, (4 + t) * BlockSize, Avx512F.Shuffle4x128(ab01, cd01, 0xDD));
        XorStore(ref src, ref dst, (8 + t) * BlockSize, Avx512F.Shuffle4x128(ab23, cd23, 0x88));
        XorStore(ref src, ref dst, (12 + t) * BlockSize, Avx512F.Shuffle4x128(ab23, cd23, 0xDD));
    }

    /// <summary>Transposes the 4x4 word matrix in each 128-bit lane of a..d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(ref Vector512<uint> a, ref Vector512<uint> b, ref Vector512<uint> c, ref Vector512<uint> d)
    {
        Vector512<uint> ab0 = Avx512F.UnpackLow(a, b), ab1 = Avx512F.UnpackHigh(a, b);
        Vector512<uint> cd0 = Avx512F.UnpackLow(c, d), cd1 = Avx512F.UnpackHigh(c, d);
        a = Avx512F.UnpackLow(ab0.AsUInt64(), cd0.AsUInt64()).AsUInt32();
        b = Avx512F.UnpackHigh(ab0.AsUInt64(), cd0.AsUInt64()).AsUInt32();
        c = Avx512F.UnpackLow(ab1.AsUInt64(), cd1.AsUInt64()).AsUInt32();
        d = Avx512F.UnpackHigh(ab1.AsUInt64(), cd1.AsUInt64()).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStore(ref byte src, ref byte dst, int offset, Vector512<uint> keystream)
    {
        Vector512<byte> value = Vector512.LoadUnsafe(ref src, (nuint)offset) ^ keystream.AsByte();
        value.StoreUnsafe(ref dst, (nuint)offset);
    }

    /// <summary>RFC 8439 section 2.1 on 16 blocks at once; vprold does every rotation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector512<uint> a, ref Vector512<uint> b, ref Vector512<uint> c, ref Vector512<uint> d)
    {
        a += b; d ^= a; d = Avx512F.RotateLeft(d, 16);
        c += d; b ^= c; b = Avx512F.RotateLeft(b, 12);
        a += b; d ^= a; d = Avx512F.RotateLeft(d, 8);
        c += d; b ^= c; b = Avx512F.RotateLeft(b, 7);
    }
}
