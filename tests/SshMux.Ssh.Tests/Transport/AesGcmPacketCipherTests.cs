using System.Buffers.Binary;
using System.Security.Cryptography;
using SshMux.Ssh.Transport.Ciphers;
using static SshMux.Ssh.Tests.Transport.PacketCipherTestSupport;

namespace SshMux.Ssh.Tests.Transport;

public class AesGcmPacketCipherTests
{
    public static IEnumerable<object[]> VectorCases() => VectorCaseNames(c => c.EndsWith("-gcm@openssh.com", StringComparison.Ordinal));

    [Theory]
    [InlineData("aes128-gcm@openssh.com")]
    [InlineData("aes256-gcm@openssh.com")]
    public void ReportsGcmFraming(string cipher)
    {
        var (sender, receiver) = CreateRandomPair(cipher, null);
        using (sender)
        using (receiver)
        {
            Assert.IsType<AesGcmPacketCipher>(receiver);
            Assert.Equal(16, sender.BlockSize);
            Assert.Equal(16, sender.TagSize);
            Assert.Equal(4, sender.AadLength);
            Assert.Equal(4, sender.FirstBlockSize);
        }
    }

    [Theory]
    [InlineData("aes128-gcm@openssh.com")]
    [InlineData("aes256-gcm@openssh.com")]
    public void RoundTripsManySizesAndSequenceNumbers(string cipher)
    {
        var (sender, receiver) = CreateRandomPair(cipher, null);
        using (sender)
        using (receiver)
        {
            var seq = 0xFFFFFFF0u;
            int[] sizes = [.. Enumerable.Range(0, 70), 100, 255, 256, 1000, 4096, 16384, 16385, 32768, 35000, 3, 1];
            foreach (var size in sizes)
            {
                var plain = RandomPacket(sender, size);
                var wire = Seal(sender, seq, plain);

                // RFC 5647 section 7.3: the length travels in the clear, everything after it is encrypted.
                Assert.Equal(plain.AsSpan(0, 4).ToArray(), wire.AsSpan(0, 4).ToArray());
                Assert.NotEqual(plain.AsSpan(4).ToArray(), wire.AsSpan(4, plain.Length - 4).ToArray());
                var opened = Receive(receiver, seq, wire, out var length);
                Assert.Equal((uint)(plain.Length - 4), length);
                Assert.Equal(plain, opened);
                seq++;
            }
        }
    }

    [Theory]
    [InlineData("aes128-gcm@openssh.com")]
    [InlineData("aes256-gcm@openssh.com")]
    public void TamperingAnyByteFailsOpen(string cipher)
    {
        var key = RandomNumberGenerator.GetBytes(Ssh.Algorithms.AlgorithmRegistry.FindCipher(cipher)!.KeySize);
        var iv = RandomNumberGenerator.GetBytes(12);
        var (sender, _) = CreatePair(cipher, null, key, iv, []);
        byte[] plain, wire;
        using (sender)
        {
            plain = RandomPacket(sender, 45);
            wire = Seal(sender, 0, plain);
        }

        for (var i = 0; i < wire.Length; i++)
        {
            var tampered = (byte[])wire.Clone();
            tampered[i] ^= (byte)(0x80 >> (i % 8));
            var (_, receiver) = CreatePair(cipher, null, key, iv, []);
            using (receiver)
            {
                Assert.Null(Receive(receiver, 0, tampered, out _));
            }
        }

        var (_, honest) = CreatePair(cipher, null, key, iv, []);
        using (honest)
        {
            Assert.Equal(plain, Receive(honest, 0, wire, out _));
        }
    }

    // RFC 5647 section 7.1: packet n uses nonce = fixed || (invocation_counter + n) mod 2^64,
    // and the fixed field is never carried into. Checked against AesGcm driven directly.
    [Theory]
    [InlineData("aes128-gcm@openssh.com", null)]
    [InlineData("aes256-gcm@openssh.com", "00000001fffffffffffffffd")]
    [InlineData("aes128-gcm@openssh.com", "ffffffffffffffffffffffff")]
    [InlineData("aes256-gcm@openssh.com", "9a0b1c2d00000000ffffffff")]
    public void InvocationCounterIncrementsPerPacket(string cipher, string? ivHex)
    {
        var key = RandomNumberGenerator.GetBytes(Ssh.Algorithms.AlgorithmRegistry.FindCipher(cipher)!.KeySize);
        var iv = ivHex is null ? RandomNumberGenerator.GetBytes(12) : Convert.FromHexString(ivHex);
        var (sender, _) = CreatePair(cipher, null, key, iv, []);
        using var reference = new AesGcm(key, 16);
        using (sender)
        {
            var start = BinaryPrimitives.ReadUInt64BigEndian(iv.AsSpan(4));
            for (var n = 0; n < 6; n++)
            {
                var plain = RandomPacket(sender, 20 * n);
                var wire = Seal(sender, 1000, plain);

                var nonce = new byte[12];
                iv.AsSpan(0, 4).CopyTo(nonce);
                BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), unchecked(start + (ulong)n));
                var expected = new byte[plain.Length - 4];
                var expectedTag = new byte[16];
                reference.Encrypt(nonce, plain.AsSpan(4), expected, expectedTag, plain.AsSpan(0, 4));
                Assert.Equal(expected, wire.AsSpan(4, plain.Length - 4).ToArray());
                Assert.Equal(expectedTag, wire.AsSpan(plain.Length).ToArray());
            }
        }
    }

    // The nonce, not the sequence number, binds a packet to its position: a receiver that
    // missed a packet (or gets them reordered) cannot open the next one.
    [Fact]
    public void SkippedOrReorderedPacketFailsOpen()
    {
        var key = RandomNumberGenerator.GetBytes(16);
        var iv = RandomNumberGenerator.GetBytes(12);
        var (sender, receiver) = CreatePair("aes128-gcm@openssh.com", null, key, iv, []);
        using (sender)
        using (receiver)
        {
            var first = RandomPacket(sender, 10);
            var second = RandomPacket(sender, 10);
            var wire1 = Seal(sender, 0, first);
            var wire2 = Seal(sender, 1, second);
            Assert.Null(Receive(receiver, 1, wire2, out _));

            // A failed open leaves the counter where it was, so in-order delivery still works.
            Assert.Equal(first, Receive(receiver, 0, wire1, out _));
            Assert.Equal(second, Receive(receiver, 1, wire2, out _));
            Assert.Null(Receive(receiver, 1, wire2, out _));
        }
    }

    [Theory]
    [MemberData(nameof(VectorCases))]
    public void MatchesGeneratedVectors(string name)
    {
        var v = LoadVectorCase(name);
        var (sender, receiver) = CreatePair(
            v.GetProperty("cipher").GetString()!,
            null,
            Convert.FromHexString(v.GetProperty("key").GetString()!),
            Convert.FromHexString(v.GetProperty("iv").GetString()!),
            []);
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
    public void DisposedCipherRefusesWork()
    {
        var (sender, receiver) = CreateRandomPair("aes256-gcm@openssh.com", null);
        sender.Dispose();
        receiver.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sender.Seal(0, new byte[20], new byte[16]));
        Assert.Throws<ObjectDisposedException>(() => receiver.Open(0, new byte[20], new byte[16]));
    }

    [Fact]
    public void RejectsBadKeyMaterial()
    {
        Assert.Throws<ArgumentException>(() => new AesGcmPacketCipher(new byte[24], new byte[12], true));
        Assert.Throws<ArgumentException>(() => new AesGcmPacketCipher(new byte[16], new byte[11], true));
    }
}
