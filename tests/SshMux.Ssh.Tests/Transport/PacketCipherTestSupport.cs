using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Tests.Transport;

/// <summary>Packet building, a simulated receive path and the generated vectors, shared by the packet cipher tests.</summary>
internal static class PacketCipherTestSupport
{
    public const string VectorFile = "aes-packet-vectors.json";

    /// <summary>A cipher pair as two ends of a connection build it from the same derived keys.</summary>
    public static (PacketCipher Sender, PacketCipher Receiver) CreatePair(string cipherName, string? macName, byte[] key, byte[] iv, byte[] macKey)
    {
        var cipher = AlgorithmRegistry.FindCipher(cipherName) ?? throw new ArgumentException(cipherName);
        var mac = macName is null ? null : AlgorithmRegistry.FindMac(macName) ?? throw new ArgumentException(macName);
        return (AlgorithmRegistry.CreatePacketCipher(cipher, mac, key, iv, macKey, encrypt: true),
                AlgorithmRegistry.CreatePacketCipher(cipher, mac, key, iv, macKey, encrypt: false));
    }

    /// <summary>Random keys of the sizes the registry declares, as key derivation would produce them.</summary>
    public static (PacketCipher Sender, PacketCipher Receiver) CreateRandomPair(string cipherName, string? macName, byte[]? iv = null)
    {
        var cipher = AlgorithmRegistry.FindCipher(cipherName)!;
        var mac = macName is null ? null : AlgorithmRegistry.FindMac(macName)!;
        var key = RandomNumberGenerator.GetBytes(cipher.KeySize);
        iv ??= RandomNumberGenerator.GetBytes(cipher.IvSize);
        var macKey = mac is null ? [] : RandomNumberGenerator.GetBytes(mac.KeySize);
        return CreatePair(cipherName, macName, key, iv, macKey);
    }

    /// <summary>Minimum RFC 4253 section 6 padding (at least 4) making the encrypted part a whole number of blocks.</summary>
    public static int MinimumPadding(PacketCipher cipher, int payloadLength)
    {
        var unpadded = 4 + 1 + payloadLength - cipher.AadLength;
        var padding = cipher.BlockSize - (unpadded % cipher.BlockSize);
        return padding < 4 ? padding + cipher.BlockSize : padding;
    }

    /// <summary>A packet with random payload and padding.</summary>
    public static byte[] RandomPacket(PacketCipher cipher, int payloadLength)
    {
        var padding = MinimumPadding(cipher, payloadLength);
        var packet = RandomNumberGenerator.GetBytes(4 + 1 + payloadLength + padding);
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + payloadLength + padding));
        packet[4] = (byte)padding;
        return packet;
    }

    /// <summary>The packet pattern of Vectors/aes_packet_vectors.py (p-th packet of a case).</summary>
    public static byte[] PatternPacket(int p, int payloadLength, int paddingLength)
    {
        var packet = new byte[4 + 1 + payloadLength + paddingLength];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + payloadLength + paddingLength));
        packet[4] = (byte)paddingLength;
        for (var j = 0; j < payloadLength; j++)
        {
            packet[5 + j] = (byte)((17 * p) + (131 * j) + 7);
        }

        for (var j = 0; j < paddingLength; j++)
        {
            packet[5 + payloadLength + j] = (byte)((5 * p) + (29 * j) + 90);
        }

        return packet;
    }

    /// <summary>Seals a copy of <paramref name="plain"/>; returns ciphertext || tag as sent.</summary>
    public static byte[] Seal(PacketCipher sender, uint sequenceNumber, byte[] plain)
    {
        var wire = new byte[plain.Length + sender.TagSize];
        plain.CopyTo(wire, 0);
        sender.Seal(sequenceNumber, wire.AsSpan(0, plain.Length), wire.AsSpan(plain.Length));
        return wire;
    }

    /// <summary>
    /// Receives <paramref name="wire"/> as the transport does: the length from the first
    /// FirstBlockSize bytes, then Open over 4 + packet_length bytes and the tag. The packet is
    /// opened at its true size even when a tampered length decrypts to something else, so the
    /// tag check is what decides. Returns the decrypted packet, or null when Open fails.
    /// </summary>
    public static byte[]? Receive(PacketCipher receiver, uint sequenceNumber, byte[] wire, out uint packetLength)
    {
        var packet = wire.AsSpan(0, wire.Length - receiver.TagSize).ToArray();
        packetLength = receiver.DecryptLength(sequenceNumber, packet.AsSpan(0, receiver.FirstBlockSize));
        return receiver.Open(sequenceNumber, packet, wire.AsSpan(packet.Length)) ? packet : null;
    }

    public static JsonElement LoadVectorCase(string name)
    {
        foreach (var c in LoadVectors().RootElement.GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("name").GetString() == name)
            {
                return c.Clone();
            }
        }

        throw new InvalidOperationException($"No vector case {name}");
    }

    public static IEnumerable<object[]> VectorCaseNames(Func<string, bool> cipherFilter)
    {
        using var doc = LoadVectors();
        return [.. doc.RootElement.GetProperty("cases").EnumerateArray()
            .Where(c => cipherFilter(c.GetProperty("cipher").GetString()!))
            .Select(c => new object[] { c.GetProperty("name").GetString()! })];
    }

    private static JsonDocument LoadVectors()
    {
        // The vectors live in the source tree beside their generator; walk up from the test
        // output directory (tests/SshMux.Ssh.Tests/bin/<config>/<tfm>) to find them.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "Vectors", VectorFile), Path.Combine(dir.FullName, "tests", "SshMux.Ssh.Tests", "Vectors", VectorFile) })
            {
                if (File.Exists(candidate))
                {
                    return JsonDocument.Parse(File.ReadAllBytes(candidate));
                }
            }
        }

        throw new FileNotFoundException($"{VectorFile} not found above {AppContext.BaseDirectory}");
    }
}
