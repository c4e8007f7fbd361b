namespace SshMux.Ssh.Transport.Ciphers;

/// <summary>aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647 as amended by OpenSSH PROTOCOL 1.6).</summary>
public sealed class AesGcmPacketCipher : PacketCipher
{
    public AesGcmPacketCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, bool encrypt)
    {
        _ = key.Length + iv.Length;
        _ = encrypt;
        throw new NotImplementedException("AES-GCM packet cipher");
    }

    public override int BlockSize => 16;

    public override int TagSize => 16;

    public override int AadLength => 4;

    public override int FirstBlockSize => 4;

    public override void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag) => throw new NotImplementedException();

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBlock) => throw new NotImplementedException();

    public override bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => throw new NotImplementedException();
}
