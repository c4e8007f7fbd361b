using SshMux.Ssh.Crypto;
using SshMux.Ssh.Tests.Vectors;

namespace SshMux.Ssh.Tests.Crypto;

public class ChaCha20Tests
{
    // RFC 8439 appendix A.2 test vector #2 plaintext (also the text of A.3 #2/#3).
    internal const string IetfSubmissionText =
        "416e79207375626d697373696f6e20746f20746865204945544620696e74656e6465642062792074686520436f6e7472696275746f7220666f72207075626c69" +
        "636174696f6e20617320616c6c206f722070617274206f6620616e204945544620496e7465726e65742d4472616674206f722052464320616e6420616e792073" +
        "746174656d656e74206d6164652077697468696e2074686520636f6e74657874206f6620616e204945544620616374697669747920697320636f6e7369646572" +
        "656420616e20224945544620436f6e747269627574696f6e222e20537563682073746174656d656e747320696e636c756465206f72616c2073746174656d656e" +
        "747320696e20494554462073657373696f6e732c2061732077656c6c206173207772697474656e20616e6420656c656374726f6e696320636f6d6d756e696361" +
        "74696f6e73206d61646520617420616e792074696d65206f7220706c6163652c207768696368206172652061646472657373656420746f";

    // RFC 8439 appendix A.2 test vector #3 plaintext (also the text of A.3 #4).
    internal const string JabberwockyText =
        "2754776173206272696c6c69672c20616e642074686520736c6974687920746f7665730a446964206779726520616e642067696d626c6520696e207468652077" +
        "6162653a0a416c6c206d696d737920776572652074686520626f726f676f7665732c0a416e6420746865206d6f6d65207261746873206f757467726162652e";

    private const string SequentialKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    // The implementations this machine can run, by name (the enum is internal).
    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string>();
        foreach (var path in Enum.GetValues<ChaCha20Path>())
        {
            if (ChaCha20.IsSupported(path))
            {
                data.Add(path.ToString());
            }
        }

        return data;
    }

    [Fact]
    public void BlockFunctionMatchesRfc8439Section2_3_2()
    {
        var block = new byte[64];
        ChaCha20.Block(Convert.FromHexString(SequentialKey), Convert.FromHexString("000000090000004a00000000"), 1, block);
        Assert.Equal(
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
            "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
            Convert.ToHexStringLower(block));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EncryptionMatchesRfc8439Section2_4_2(string pathName)
    {
        var path = Enum.Parse<ChaCha20Path>(pathName);
        var plaintext = Convert.FromHexString(
            "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f666665722079" +
            "6f75206f6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c642062652069742e");
        var ciphertext = new byte[plaintext.Length];
        ChaCha20.Xor(Convert.FromHexString(SequentialKey), Convert.FromHexString("000000000000004a00000000"), 1, plaintext, ciphertext, path);
        Assert.Equal(
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f08" +
            "61d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d",
            Convert.ToHexStringLower(ciphertext));
    }

    // RFC 8439 appendix A.1: (key, nonce, block counter, keystream block).
    public static TheoryData<string, string, uint, string> AppendixA1 => new()
    {
        {
            "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", 0,
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"
        },
        {
            "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", 1,
            "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f"
        },
        {
            "0000000000000000000000000000000000000000000000000000000000000001", "000000000000000000000000", 1,
            "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0"
        },
        {
            "00ff000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", 2,
            "72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096"
        },
        {
            "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000002", 0,
            "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c78a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d"
        },
    };

    [Theory]
    [MemberData(nameof(AppendixA1))]
    public void BlockFunctionMatchesRfc8439AppendixA1(string key, string nonce, uint counter, string keystream)
    {
        var block = new byte[64];
        ChaCha20.Block(Convert.FromHexString(key), Convert.FromHexString(nonce), counter, block);
        Assert.Equal(keystream, Convert.ToHexStringLower(block));

        // The same block through the stream interface, XORed over zeros.
        var zeros = new byte[64];
        ChaCha20.Xor(Convert.FromHexString(key), Convert.FromHexString(nonce), counter, zeros);
        Assert.Equal(keystream, Convert.ToHexStringLower(zeros));
    }

    // RFC 8439 appendix A.2: (key, nonce, initial block counter, plaintext, ciphertext).
    public static TheoryData<string, string, uint, string, string> AppendixA2 => new()
    {
        {
            "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", 0,
            new string('0', 128),
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"
        },
        {
            "0000000000000000000000000000000000000000000000000000000000000001", "000000000000000000000002", 1,
            IetfSubmissionText,
            "a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d" +
            "4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e52795042bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a" +
            "d00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259dc4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b" +
            "0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6ccc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b" +
            "c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6" +
            "98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221"
        },
        {
            "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", "000000000000000000000002", 42,
            JabberwockyText,
            "62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb" +
            "f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f7704c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1"
        },
    };

    [Theory]
    [MemberData(nameof(AppendixA2))]
    public void EncryptionMatchesRfc8439AppendixA2(string key, string nonce, uint counter, string plaintext, string ciphertext)
    {
        foreach (var path in Enum.GetValues<ChaCha20Path>().Where(ChaCha20.IsSupported))
        {
            var input = Convert.FromHexString(plaintext);
            var output = new byte[input.Length];
            ChaCha20.Xor(Convert.FromHexString(key), Convert.FromHexString(nonce), counter, input, output, path);
            Assert.Equal(ciphertext, Convert.ToHexStringLower(output));

            // Decryption is the same operation, here in place.
            ChaCha20.Xor(Convert.FromHexString(key), Convert.FromHexString(nonce), counter, output, output, path);
            Assert.Equal(plaintext, Convert.ToHexStringLower(output));
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void OriginalLayoutMatchesGeneratedKeystreams(string pathName)
    {
        var path = Enum.Parse<ChaCha20Path>(pathName);
        foreach (var (key, nonce, counter, keystream) in ChaCha20Poly1305Vectors.OriginalKeystreams)
        {
            var output = new byte[keystream.Length / 2];
            ChaCha20.Xor(Convert.FromHexString(key), Convert.FromHexString(nonce), counter, output, output, path);
            Assert.Equal(keystream, Convert.ToHexStringLower(output));
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Rfc8439LayoutMatchesGeneratedKeystreams(string pathName)
    {
        var path = Enum.Parse<ChaCha20Path>(pathName);
        foreach (var (key, nonce, counter, keystream) in ChaCha20Poly1305Vectors.Rfc8439Keystreams)
        {
            var output = new byte[keystream.Length / 2];
            ChaCha20.Xor(Convert.FromHexString(key), Convert.FromHexString(nonce), counter, output, output, path);
            Assert.Equal(keystream, Convert.ToHexStringLower(output));
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryLengthAgreesWithBlockByBlockKeystream(string pathName)
    {
        var path = Enum.Parse<ChaCha20Path>(pathName);
        // The keystream is the concatenation of the block function's outputs (RFC 8439
        // section 2.4.1), whichever path and length, and a counter near 2^32 carries into
        // word 13 in the original layout.
        var key = RandomBytes(32, 1);
        var nonce = RandomBytes(8, 2);
        var input = RandomBytes(1300, 3);
        foreach (ulong start in new ulong[] { 0, 5, 0xFFFFFFFA })
        {
            var expected = new byte[input.Length + 64];
            for (int b = 0; b * 64 < input.Length; b++)
            {
                ChaCha20.Block(key, nonce, start + (ulong)b, expected.AsSpan(b * 64, 64));
            }

            for (int i = 0; i < input.Length; i++)
            {
                expected[i] ^= input[i];
            }

            for (int length = 0; length <= input.Length; length += length < 130 ? 1 : 37)
            {
                var output = new byte[length];
                ChaCha20.Xor(key, nonce, start, input.AsSpan(0, length), output, path);
                Assert.True(expected.AsSpan(0, length).SequenceEqual(output), $"length {length}, counter {start}");
            }
        }
    }

    [Fact]
    public void ByteOffsetsCompose()
    {
        // Encrypting block-aligned pieces with the matching counters equals one call.
        var key = RandomBytes(32, 4);
        var nonce = RandomBytes(12, 5);
        var input = RandomBytes(64 * 20 + 9, 6);
        var whole = new byte[input.Length];
        ChaCha20.Xor(key, nonce, 3, input, whole);
        var pieces = new byte[input.Length];
        int[] cuts = [0, 64, 64 * 9, 64 * 10, 64 * 19, input.Length];
        for (int i = 0; i + 1 < cuts.Length; i++)
        {
            ChaCha20.Xor(key, nonce, 3 + (ulong)(cuts[i] / 64), input.AsSpan(cuts[i], cuts[i + 1] - cuts[i]), pieces.AsSpan(cuts[i], cuts[i + 1] - cuts[i]));
        }

        Assert.Equal(whole, pieces);
    }

    [Fact]
    public void Rfc8439CounterMayNotWrap()
    {
        var key = new byte[32];
        var nonce = new byte[12];
        var block = new byte[64];

        // The last counter value is usable for one block, but not for a 65th byte.
        ChaCha20.Xor(key, nonce, uint.MaxValue, block);
        Assert.Throws<ArgumentOutOfRangeException>(() => ChaCha20.Xor(key, nonce, uint.MaxValue, new byte[65]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChaCha20.Xor(key, nonce, 1UL << 32, new byte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChaCha20.Xor(key, nonce, uint.MaxValue - 7, new byte[64 * 9]));

        // The original layout has a 64-bit counter.
        ChaCha20.Xor(key, new byte[8], uint.MaxValue, new byte[65]);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var data = new byte[100];
        Assert.Throws<ArgumentException>(() => ChaCha20.Xor(new byte[31], new byte[12], 0, data));
        Assert.Throws<ArgumentException>(() => ChaCha20.Xor(new byte[32], new byte[16], 0, data));
        Assert.Throws<ArgumentException>(() => ChaCha20.Xor(new byte[32], new byte[12], 0, data, new byte[99]));
        Assert.Throws<ArgumentException>(() => ChaCha20.Xor(new byte[32], new byte[12], 0, data.AsSpan(0, 90), data.AsSpan(10, 90)));
        Assert.Throws<ArgumentException>(() => ChaCha20.Block(new byte[32], new byte[12], 0, new byte[63]));
    }

    [Fact]
    public void BestPathIsSupported()
    {
        Assert.True(ChaCha20.IsSupported(ChaCha20.BestPath));
        Assert.True(ChaCha20.IsSupported(ChaCha20Path.Scalar));
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
