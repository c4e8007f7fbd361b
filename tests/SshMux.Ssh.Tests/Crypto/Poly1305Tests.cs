using SshMux.Ssh.Crypto;
using SshMux.Ssh.Tests.Vectors;

namespace SshMux.Ssh.Tests.Crypto;

public class Poly1305Tests
{
    private const string Zero16 = "00000000000000000000000000000000";

    // RFC 8439 section 2.5.2 and appendix A.3: (one-time key, message, tag). In A.3 #5-#11 the
    // key is written as R then S.
    public static TheoryData<string, string, string> Rfc8439Vectors => new()
    {
        // Section 2.5.2.
        {
            "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
            "43727970746f6772617068696320466f72756d2052657365617263682047726f7570",
            "a8061dc1305136c6c22b8baf0c0127a9"
        },

        // A.3 #1.
        { Zero16 + Zero16, new string('0', 128), Zero16 },

        // A.3 #2: r = 0, so the tag is s.
        { Zero16 + "36e5f6b5c5e06070f0efca96227a863e", ChaCha20Tests.IetfSubmissionText, "36e5f6b5c5e06070f0efca96227a863e" },

        // A.3 #3.
        { "36e5f6b5c5e06070f0efca96227a863e" + Zero16, ChaCha20Tests.IetfSubmissionText, "f3477e7cd95417af89a6b8794c310cf0" },

        // A.3 #4.
        { "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", ChaCha20Tests.JabberwockyText, "4541669a7eaaee61e708dc7cbcc5eb62" },

        // A.3 #5: a partially reduced result that is not fully reduced.
        { "02000000000000000000000000000000" + Zero16, "ffffffffffffffffffffffffffffffff", "03000000000000000000000000000000" },

        // A.3 #6: h + s overflows 2^128.
        { "02000000000000000000000000000000" + "ffffffffffffffffffffffffffffffff", "02000000000000000000000000000000", "03000000000000000000000000000000" },

        // A.3 #7: a data limb of all ones with a carry from the lower limb.
        {
            "01000000000000000000000000000000" + Zero16,
            "ffffffffffffffffffffffffffffffff" + "f0ffffffffffffffffffffffffffffff" + "11000000000000000000000000000000",
            "05000000000000000000000000000000"
        },

        // A.3 #8: the polynomial part is exactly 2^130-5.
        {
            "01000000000000000000000000000000" + Zero16,
            "ffffffffffffffffffffffffffffffff" + "fbfefefefefefefefefefefefefefefe" + "01010101010101010101010101010101",
            Zero16
        },

        // A.3 #9: the polynomial part is exactly 2^130-6.
        { "02000000000000000000000000000000" + Zero16, "fdffffffffffffffffffffffffffffff", "faffffffffffffffffffffffffffffff" },

        // A.3 #10: 5*H+L reduction with a 131-bit intermediate result.
        {
            "01000000000000000400000000000000" + Zero16,
            "e33594d7505e43b90000000000000000" + "3394d7505e4379cd0100000000000000" + Zero16 + "01000000000000000000000000000000",
            "14000000000000005500000000000000"
        },

        // A.3 #11: 5*H+L reduction with a 131-bit final result.
        {
            "01000000000000000400000000000000" + Zero16,
            "e33594d7505e43b90000000000000000" + "3394d7505e4379cd0100000000000000" + Zero16,
            "13000000000000000000000000000000"
        },
    };

    [Theory]
    [MemberData(nameof(Rfc8439Vectors))]
    public void MatchesRfc8439(string key, string message, string tag) => CheckAllWays(key, message, tag);

    [Fact]
    public void MatchesGeneratedVectors()
    {
        foreach (var (key, message, tag) in ChaCha20Poly1305Vectors.Poly1305Tags)
        {
            CheckAllWays(key, message, tag);
        }
    }

    [Fact]
    public void OneShotAgreesWithBlockAtATimeUpdates()
    {
        // Long inputs go through the four-lane vector path where the hardware has one;
        // 16-byte updates never do. Random data, all-ones data, and the largest clamped r.
        var random = new Random(16);
        var keys = new[] { ChaCha20Tests.RandomBytes(32, 17), Enumerable.Repeat((byte)0xFF, 32).ToArray() };
        var messages = new[] { ChaCha20Tests.RandomBytes(2100, 18), Enumerable.Repeat((byte)0xFF, 2100).ToArray() };
        foreach (var key in keys)
        {
            foreach (var message in messages)
            {
                for (int length = 0; length <= message.Length; length += random.Next(1, 40))
                {
                    var expected = new byte[16];
                    var blockwise = new Poly1305(key);
                    for (int offset = 0; offset < length; offset += 16)
                    {
                        blockwise.Update(message.AsSpan(offset, Math.Min(16, length - offset)));
                    }

                    blockwise.Finish(expected);

                    var tag = new byte[16];
                    Poly1305.ComputeTag(key, message.AsSpan(0, length), tag);
                    Assert.Equal(expected, tag);

                    // A short update first leaves the vector path a running h to carry in.
                    var split = new Poly1305(key);
                    split.Update(message.AsSpan(0, Math.Min(5, length)));
                    split.Update(message.AsSpan(Math.Min(5, length), length - Math.Min(5, length)));
                    Assert.True(split.FinishAndVerify(expected), $"length {length}");
                }
            }
        }
    }

    [Fact]
    public void VerifyRejectsAnyChangedBit()
    {
        var key = ChaCha20Tests.RandomBytes(32, 10);
        var message = ChaCha20Tests.RandomBytes(67, 11);
        var tag = new byte[16];
        Poly1305.ComputeTag(key, message, tag);
        Assert.True(Poly1305.VerifyTag(key, message, tag));

        for (int bit = 0; bit < tag.Length * 8; bit++)
        {
            tag[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(Poly1305.VerifyTag(key, message, tag));
            tag[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        for (int bit = 0; bit < message.Length * 8; bit++)
        {
            message[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(Poly1305.VerifyTag(key, message, tag));
            message[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        Assert.False(Poly1305.VerifyTag(key, message, tag.AsSpan(0, 15)));
        Assert.False(Poly1305.VerifyTag(key, message.AsSpan(0, 66), tag));
    }

    [Fact]
    public void KeyGenerationMatchesRfc8439Section2_6_2()
    {
        // Poly1305 key = first 32 bytes of ChaCha20 block 0 (RFC 8439 section 2.6.1).
        var block = new byte[64];
        ChaCha20.Block(Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"), Convert.FromHexString("000000000001020304050607"), 0, block);
        Assert.Equal("8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646", Convert.ToHexStringLower(block.AsSpan(0, 32)));
    }

    // RFC 8439 appendix A.4: (ChaCha20 key, nonce, Poly1305 one-time key).
    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000001", "000000000000000000000002", "ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739")]
    [InlineData("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", "000000000000000000000002", "965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae")]
    public void KeyGenerationMatchesRfc8439AppendixA4(string key, string nonce, string polyKey)
    {
        var block = new byte[64];
        ChaCha20.Block(Convert.FromHexString(key), Convert.FromHexString(nonce), 0, block);
        Assert.Equal(polyKey, Convert.ToHexStringLower(block.AsSpan(0, 32)));
    }

    [Fact]
    public void DisposeAndFinishWipeTheState()
    {
        // After Finish the state is wiped; finishing again MACs the empty message under the
        // all-zero key, whose tag is zero.
        var mac = new Poly1305(ChaCha20Tests.RandomBytes(32, 12));
        mac.Update(ChaCha20Tests.RandomBytes(40, 13));
        var tag = new byte[16];
        mac.Finish(tag);
        Assert.NotEqual(new byte[16], tag);
        mac.Finish(tag);
        Assert.Equal(new byte[16], tag);

        var disposed = new Poly1305(ChaCha20Tests.RandomBytes(32, 14));
        disposed.Update(ChaCha20Tests.RandomBytes(40, 15));
        disposed.Dispose();
        disposed.Finish(tag);
        Assert.Equal(new byte[16], tag);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => new Poly1305(new byte[31]));
        Assert.Throws<ArgumentException>(() => Poly1305.ComputeTag(new byte[32], new byte[1], new byte[15]));
    }

    /// <summary>One-shot, and incremental with every chunk size from 1 to 33 bytes.</summary>
    private static void CheckAllWays(string keyHex, string messageHex, string tagHex)
    {
        var key = Convert.FromHexString(keyHex);
        var message = Convert.FromHexString(messageHex);
        var tag = new byte[16];
        Poly1305.ComputeTag(key, message, tag);
        Assert.Equal(tagHex, Convert.ToHexStringLower(tag));
        Assert.True(Poly1305.VerifyTag(key, message, Convert.FromHexString(tagHex)));

        for (int chunk = 1; chunk <= 33; chunk++)
        {
            var mac = new Poly1305(key);
            for (int offset = 0; offset < message.Length; offset += chunk)
            {
                mac.Update(message.AsSpan(offset, Math.Min(chunk, message.Length - offset)));
            }

            Array.Clear(tag);
            mac.Finish(tag);
            Assert.Equal(tagHex, Convert.ToHexStringLower(tag));
        }

        // Uneven pieces, including empty ones.
        var uneven = new Poly1305(key);
        int position = 0;
        for (int step = 0; position < message.Length; step++)
        {
            int length = Math.Min(step % 5 * 7, message.Length - position);
            uneven.Update(message.AsSpan(position, length));
            position += length;
        }

        Assert.True(uneven.FinishAndVerify(Convert.FromHexString(tagHex)));
    }
}
