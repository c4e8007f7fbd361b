using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SshMux.Ssh.Transport.Ciphers;

/// <summary>aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647 as amended by OpenSSH PROTOCOL 1.6).</summary>
/// <remarks>
/// RFC 5647 section 7.3: packet_length is sent in the clear and is the additional
/// authenticated data; padding_length, payload and padding are the GCM plaintext; the
/// 16-byte tag follows. Section 7.1: the 12-byte nonce is a 4-byte fixed field followed by an
/// 8-byte invocation counter, both taken from the derived IV, and the counter is incremented
/// as a 64-bit big-endian integer (wrapping within those 8 bytes) after every packet. The SSH
/// sequence number plays no part: the invocation counter advances in step with it.
/// </remarks>
public sealed class AesGcmPacketCipher : PacketCipher
{
    private const int LengthFieldSize = 4;
    private const int NonceSize = 12;
    private const int FixedFieldSize = 4;
    private const int GcmTagSize = 16;

    private readonly AesGcm _aesGcm;

    // fixed field || invocation counter; the counter is updated in place after each packet.
    private readonly byte[] _nonce = new byte[NonceSize];

    private bool _disposed;

    /// <param name="key">16 or 32 bytes (aes128 / aes256).</param>
    /// <param name="iv">At least 12 bytes; the first 12 are the initial nonce.</param>
    /// <param name="encrypt">Unused: both directions use the same construction, only the key material differs.</param>
    public AesGcmPacketCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, bool encrypt)
    {
        _ = encrypt;
        if (key.Length is not (16 or 32))
        {
            throw new ArgumentException("AES-GCM key must be 16 or 32 bytes", nameof(key));
        }

        if (iv.Length < NonceSize)
        {
            throw new ArgumentException("AES-GCM needs a 12-byte IV", nameof(iv));
        }

        iv[..NonceSize].CopyTo(_nonce);
        _aesGcm = new AesGcm(key, GcmTagSize);
    }

    public override int BlockSize => 16;

    public override int TagSize => GcmTagSize;

    public override int AadLength => LengthFieldSize;

    public override int FirstBlockSize => LengthFieldSize;

    public override void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckPacket(packet);
        if (tag.Length < GcmTagSize)
        {
            throw new ArgumentException("Tag buffer too small", nameof(tag));
        }

        var body = packet[LengthFieldSize..];
        _aesGcm.Encrypt(_nonce, body, body, tag[..GcmTagSize], packet[..LengthFieldSize]);
        AdvanceInvocationCounter();
    }

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBlock)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return BinaryPrimitives.ReadUInt32BigEndian(firstBlock);
    }

    public override bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckPacket(packet);
        if (tag.Length != GcmTagSize)
        {
            throw new ArgumentException("AES-GCM tag must be 16 bytes", nameof(tag));
        }

        var body = packet[LengthFieldSize..];
        try
        {
            // AesGcm compares the tag in constant time and zeroes the output on mismatch.
            _aesGcm.Decrypt(_nonce, body, tag, body, packet[..LengthFieldSize]);
        }
        catch (AuthenticationTagMismatchException)
        {
            // The counter is left alone: a failed packet was not consumed, and the transport
            // disconnects on a MAC error anyway (RFC 4253 section 6.4).
            return false;
        }

        AdvanceInvocationCounter();
        return true;
    }

    private static void CheckPacket(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < LengthFieldSize)
        {
            throw new ArgumentException("Packet shorter than its length field", nameof(packet));
        }
    }

    private void AdvanceInvocationCounter()
    {
        var counter = _nonce.AsSpan(FixedFieldSize);
        BinaryPrimitives.WriteUInt64BigEndian(counter, unchecked(BinaryPrimitives.ReadUInt64BigEndian(counter) + 1));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _aesGcm.Dispose();
            CryptographicOperations.ZeroMemory(_nonce);
        }

        base.Dispose(disposing);
    }
}
