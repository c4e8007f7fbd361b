namespace SshMux.Ssh.Transport.Ciphers;

/// <summary>The "none" cipher and MAC in force until the first NEWKEYS (RFC 4253 section 6.3).</summary>
public sealed class NonePacketCipher : PacketCipher
{
    public static readonly NonePacketCipher Instance = new();

    public override int BlockSize => 8;

    public override int TagSize => 0;

    public override int AadLength => 0;

    public override int FirstBlockSize => 4;

    public override void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
    }

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBlock) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(firstBlock);

    public override bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => true;
}
