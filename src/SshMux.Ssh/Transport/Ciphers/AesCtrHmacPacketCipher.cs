using System.Security.Cryptography;

namespace SshMux.Ssh.Transport.Ciphers;

/// <summary>aes128/192/256-ctr (RFC 4344) with hmac-sha2-256/512 (RFC 6668), plain or -etm@openssh.com.</summary>
public sealed class AesCtrHmacPacketCipher : PacketCipher
{
    public AesCtrHmacPacketCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, HashAlgorithmName macHash, ReadOnlySpan<byte> macKey, bool encryptThenMac, bool encrypt)
    {
        _ = key.Length + iv.Length + macKey.Length;
        _ = macHash;
        _ = encryptThenMac;
        _ = encrypt;
        throw new NotImplementedException("AES-CTR packet cipher");
    }

    public override int BlockSize => 16;

    public override int TagSize => 0;

    public override int AadLength => 0;

    public override int FirstBlockSize => 16;

    public override void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag) => throw new NotImplementedException();

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBlock) => throw new NotImplementedException();

    public override bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => throw new NotImplementedException();
}
