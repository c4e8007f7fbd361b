namespace SshMux.Ssh.Transport.Ciphers;

/// <summary>chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305); the 64-byte key is K_2 || K_1.</summary>
public sealed class ChaCha20Poly1305PacketCipher : PacketCipher
{
    public ChaCha20Poly1305PacketCipher(ReadOnlySpan<byte> key)
    {
        _ = key.Length;
        throw new NotImplementedException("chacha20-poly1305 packet cipher");
    }

    public override int BlockSize => 8;

    public override int TagSize => 16;

    public override int AadLength => 4;

    public override int FirstBlockSize => 4;

    public override void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag) => throw new NotImplementedException();

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBlock) => throw new NotImplementedException();

    public override bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => throw new NotImplementedException();
}
