using System.Buffers.Binary;
using System.Security.Cryptography;
using SshMux.Ssh.Crypto;
using SshMux.Ssh.Transport.Ciphers;
using static SshMux.Ssh.Tests.Transport.PacketCipherTestSupport;

namespace SshMux.Ssh.Tests.Transport;

public class AesCtrHmacPacketCipherTests
{
    private static readonly string[] CtrCiphers = ["aes128-ctr", "aes192-ctr", "aes256-ctr"];
    private static readonly string[] Macs = ["hmac-sha2-256", "hmac-sha2-512", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"];

    public static IEnumerable<object[]> AllCombinations() =>
        from c in CtrCiphers from m in Macs select new object[] { c, m };

    public static IEnumerable<object[]> VectorCases() => VectorCaseNames(c => c.EndsWith("-ctr", StringComparison.Ordinal));

    // NIST SP 800-38A appendix F.5.1, F.5.3, F.5.5 (CTR-AESxxx.Encrypt). The initial counter's
    // low byte is ff, so the second block already exercises carry propagation.
    [Theory]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c", "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")]
    [InlineData("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050")]
    [InlineData("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6")]
    public void AesCtrMatchesSp800_38a(string key, string ciphertext)
    {
        var counter = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        var plaintext = Convert.FromHexString("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");

        using (var ctr = new AesCtr(Convert.FromHexString(key), counter))
        {
            var data = (byte[])plaintext.Clone();
            ctr.Transform(data);
            Assert.Equal(ciphertext, Convert.ToHexStringLower(data));
        }

        // The keystream position is byte-granular: odd-sized pieces give the same stream.
        using (var ctr = new AesCtr(Convert.FromHexString(key), counter))
        {
            var data = (byte[])plaintext.Clone();
            var offset = 0;
            foreach (var piece in new[] { 1, 7, 13, 3, 16, 24 })
            {
                ctr.Transform(data.AsSpan(offset, piece));
                offset += piece;
            }

            Assert.Equal(ciphertext, Convert.ToHexStringLower(data));
        }
    }

    // Odd-sized pieces that straddle the keystream batches give the same stream as one call,
    // and both match the independently computed keystream.
    [Fact]
    public void AesCtrStreamIsIndependentOfHowItIsCut()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var iv = RandomNumberGenerator.GetBytes(16);
        var whole = new byte[100_000];
        using (var ctr = new AesCtr(key, iv))
        {
            ctr.Transform(whole);
        }

        var pieces = new byte[whole.Length];
        using (var ctr = new AesCtr(key, iv))
        {
            var offset = 0;
            var step = 0;
            while (offset < pieces.Length)
            {
                var size = Math.Min(pieces.Length - offset, (step++ * 977 % 20011) + 1);
                ctr.Transform(pieces.AsSpan(offset, size));
                offset += size;
            }
        }

        Assert.Equal(whole, pieces);
        Assert.Equal(IndependentKeystream(key, iv, (whole.Length + 15) / 16)[..whole.Length], whole);
    }

    [Theory]
    [InlineData("hmac-sha2-256", 32, false)]
    [InlineData("hmac-sha2-512", 64, false)]
    [InlineData("hmac-sha2-256-etm@openssh.com", 32, true)]
    [InlineData("hmac-sha2-512-etm@openssh.com", 64, true)]
    public void ReportsFramingOfEachMac(string mac, int tagSize, bool etm)
    {
        var (sender, receiver) = CreateRandomPair("aes256-ctr", mac);
        using (sender)
        using (receiver)
        {
            Assert.IsType<AesCtrHmacPacketCipher>(sender);
            Assert.Equal(16, sender.BlockSize);
            Assert.Equal(tagSize, sender.TagSize);
            Assert.Equal(etm ? 4 : 0, sender.AadLength);
            Assert.Equal(etm ? 4 : 16, sender.FirstBlockSize);
        }
    }

    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void RoundTripsManySizesAndSequenceNumbers(string cipher, string mac)
    {
        var (sender, receiver) = CreateRandomPair(cipher, mac);
        using (sender)
        using (receiver)
        {
            // Starts just below 2^32 so the sequence number wraps (RFC 4253 section 6.4).
            var seq = 0xFFFFFFF0u;
            int[] sizes = [.. Enumerable.Range(0, 70), 100, 255, 256, 1000, 4096, 16384, 16385, 32768, 35000, 3, 1];
            foreach (var size in sizes)
            {
                var plain = RandomPacket(sender, size);
                var wire = Seal(sender, seq, plain);
                Assert.NotEqual(plain.AsSpan(4).ToArray(), wire.AsSpan(4, plain.Length - 4).ToArray());
                var opened = Receive(receiver, seq, wire, out var length);
                Assert.Equal((uint)(plain.Length - 4), length);
                Assert.NotNull(opened);
                Assert.Equal(plain, opened);
                seq++;
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void TamperingAnyByteFailsOpen(string cipher, string mac)
    {
        var key = RandomNumberGenerator.GetBytes(Ssh.Algorithms.AlgorithmRegistry.FindCipher(cipher)!.KeySize);
        var iv = RandomNumberGenerator.GetBytes(16);
        var macKey = RandomNumberGenerator.GetBytes(64);
        var (sender, _) = CreatePair(cipher, mac, key, iv, macKey);
        byte[] plain, wire;
        using (sender)
        {
            plain = RandomPacket(sender, 37);
            wire = Seal(sender, 7, plain);
        }

        for (var i = 0; i < wire.Length; i++)
        {
            var tampered = (byte[])wire.Clone();
            tampered[i] ^= (byte)(1 << (i % 8));
            var (_, receiver) = CreatePair(cipher, mac, key, iv, macKey);
            using (receiver)
            {
                Assert.Null(Receive(receiver, 7, tampered, out _));
            }
        }

        var (_, honest) = CreatePair(cipher, mac, key, iv, macKey);
        using (honest)
        {
            Assert.Equal(plain, Receive(honest, 7, wire, out _));
        }
    }

    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void WrongSequenceNumberFailsOpen(string cipher, string mac)
    {
        var key = RandomNumberGenerator.GetBytes(Ssh.Algorithms.AlgorithmRegistry.FindCipher(cipher)!.KeySize);
        var iv = RandomNumberGenerator.GetBytes(16);
        var macKey = RandomNumberGenerator.GetBytes(64);
        var (sender, _) = CreatePair(cipher, mac, key, iv, macKey);
        using (sender)
        {
            var plain = RandomPacket(sender, 100);
            var wire = Seal(sender, 41, plain);
            foreach (var wrong in new uint[] { 40, 42, 41 ^ 0x80000000u, 0 })
            {
                var (_, receiver) = CreatePair(cipher, mac, key, iv, macKey);
                using (receiver)
                {
                    Assert.Null(Receive(receiver, wrong, wire, out _));
                }
            }
        }
    }

    // RFC 4344 section 4: the keystream continues across packets, so the ciphertext of a run
    // of packets is the plaintext XOR AES(X), AES(X+1), ... computed mod 2^128. The runs
    // exceed the cipher's keystream batch and include the 2^64 carry and the 2^128 wrap.
    [Theory]
    [InlineData("hmac-sha2-256", null)]
    [InlineData("hmac-sha2-256-etm@openssh.com", null)]
    [InlineData("hmac-sha2-512", "0000000000000000fffffffffffffffd")]
    [InlineData("hmac-sha2-256", "fffffffffffffffffffffffffffffffe")]
    [InlineData("hmac-sha2-512-etm@openssh.com", "ffffffffffffffffffffffffffffffff")]
    public void KeystreamRunsOnAcrossPacketsModulo2Pow128(string mac, string? ivHex)
    {
        var key = RandomNumberGenerator.GetBytes(16);
        var iv = ivHex is null ? RandomNumberGenerator.GetBytes(16) : Convert.FromHexString(ivHex);
        var (sender, _) = CreatePair("aes128-ctr", mac, key, iv, RandomNumberGenerator.GetBytes(64));
        using (sender)
        {
            var skip = sender.AadLength; // the etm length field is not encrypted
            using var plainStream = new MemoryStream();
            using var cipherStream = new MemoryStream();
            foreach (var size in new[] { 0, 11, 500, 9000, 7, 20000, 1, 33 })
            {
                var plain = RandomPacket(sender, size);
                var wire = Seal(sender, 0, plain);
                Assert.Equal(plain.AsSpan(0, skip).ToArray(), wire.AsSpan(0, skip).ToArray());
                plainStream.Write(plain, skip, plain.Length - skip);
                cipherStream.Write(wire, skip, plain.Length - skip);
            }

            var p = plainStream.ToArray();
            var c = cipherStream.ToArray();
            Assert.Equal(0, p.Length % 16);
            var expected = IndependentKeystream(key, iv, p.Length / 16);
            for (var i = 0; i < p.Length; i++)
            {
                Assert.True((byte)(p[i] ^ c[i]) == expected[i], $"keystream byte {i} differs");
            }
        }
    }

    [Theory]
    [MemberData(nameof(VectorCases))]
    public void MatchesGeneratedVectors(string name)
    {
        var v = LoadVectorCase(name);
        var (sender, receiver) = CreatePair(
            v.GetProperty("cipher").GetString()!,
            v.GetProperty("mac").GetString(),
            Convert.FromHexString(v.GetProperty("key").GetString()!),
            Convert.FromHexString(v.GetProperty("iv").GetString()!),
            Convert.FromHexString(v.GetProperty("macKey").GetString()!));
        using (sender)
        using (receiver)
        {
            var p = 0;
            foreach (var packet in v.GetProperty("packets").EnumerateArray())
            {
                var seq = packet.GetProperty("seq").GetUInt32();
                var plain = PatternPacket(p, packet.GetProperty("payloadLength").GetInt32(), packet.GetProperty("paddingLength").GetInt32());
                var wire = Seal(sender, seq, plain);
                Assert.Equal(packet.GetProperty("tag").GetString(), Convert.ToHexStringLower(wire.AsSpan(plain.Length)));
                Assert.Equal(packet.GetProperty("wireSha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(wire)));
                Assert.Equal(plain, Receive(receiver, seq, wire, out _));
                p++;
            }
        }
    }

    [Fact]
    public void OpenWithoutDecryptLengthDecryptsTheWholePacket()
    {
        var (sender, receiver) = CreateRandomPair("aes192-ctr", "hmac-sha2-512");
        using (sender)
        using (receiver)
        {
            for (uint seq = 0; seq < 4; seq++)
            {
                var plain = RandomPacket(sender, 300);
                var wire = Seal(sender, seq, plain);
                var packet = wire.AsSpan(0, plain.Length).ToArray();
                Assert.True(receiver.Open(seq, packet, wire.AsSpan(plain.Length)));
                Assert.Equal(plain, packet);
            }
        }
    }

    // Encrypt-then-MAC verifies before decrypting (OpenSSH PROTOCOL 1.5): a rejected packet
    // must not have consumed keystream, so the genuine packet still opens afterwards.
    [Fact]
    public void EtmRejectsBeforeDecrypting()
    {
        var (sender, receiver) = CreateRandomPair("aes128-ctr", "hmac-sha2-256-etm@openssh.com");
        using (sender)
        using (receiver)
        {
            var plain = RandomPacket(sender, 64);
            var wire = Seal(sender, 3, plain);
            var forged = (byte[])wire.Clone();
            forged[20] ^= 1;
            var forgedBody = forged.AsSpan(0, plain.Length).ToArray();
            Assert.False(receiver.Open(3, forgedBody, forged.AsSpan(plain.Length)));
            Assert.Equal(forged.AsSpan(0, plain.Length).ToArray(), forgedBody);
            Assert.Equal(plain, Receive(receiver, 3, wire, out _));
        }
    }

    [Fact]
    public void DisposedCipherRefusesWork()
    {
        var (sender, receiver) = CreateRandomPair("aes256-ctr", "hmac-sha2-256");
        sender.Dispose();
        receiver.Dispose();
        receiver.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sender.Seal(0, new byte[32], new byte[32]));
        Assert.Throws<ObjectDisposedException>(() => receiver.DecryptLength(0, new byte[16]));
    }

    [Fact]
    public void RejectsBadKeyMaterial()
    {
        Assert.Throws<ArgumentException>(() => new AesCtrHmacPacketCipher(new byte[20], new byte[16], HashAlgorithmName.SHA256, new byte[32], false, true));
        Assert.Throws<ArgumentException>(() => new AesCtrHmacPacketCipher(new byte[16], new byte[8], HashAlgorithmName.SHA256, new byte[32], false, true));
        Assert.Throws<ArgumentException>(() => new AesCtrHmacPacketCipher(new byte[16], new byte[16], HashAlgorithmName.MD5, new byte[32], false, true));
    }

    /// <summary>AES(X), AES(X+1), ... with the counter arithmetic done in UInt128 (wrapping).</summary>
    private static byte[] IndependentKeystream(byte[] key, byte[] iv, int blocks)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        var start = BinaryPrimitives.ReadUInt128BigEndian(iv);
        var counters = new byte[blocks * 16];
        for (var i = 0; i < blocks; i++)
        {
            BinaryPrimitives.WriteUInt128BigEndian(counters.AsSpan(i * 16), unchecked(start + (UInt128)i));
        }

        return aes.EncryptEcb(counters, PaddingMode.None);
    }
}
