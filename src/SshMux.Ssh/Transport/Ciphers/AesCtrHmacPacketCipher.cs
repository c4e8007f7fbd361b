using System.Buffers.Binary;
using System.Security.Cryptography;
using SshMux.Ssh.Crypto;

namespace SshMux.Ssh.Transport.Ciphers;

/// <summary>aes128/192/256-ctr (RFC 4344) with hmac-sha2-256/512 (RFC 6668), plain or -etm@openssh.com.</summary>
/// <remarks>
/// Plain (RFC 4253 section 6.4): mac = HMAC(key, uint32 sequence_number || unencrypted
/// packet), the whole packet including packet_length is encrypted, so the receiver decrypts
/// the first cipher block to learn the length and verifies the MAC after decrypting.
/// Encrypt-then-MAC (OpenSSH PROTOCOL 1.5, "-etm@openssh.com" MACs): packet_length is sent in
/// the clear, only the rest is encrypted, and mac = HMAC(key, uint32 sequence_number ||
/// packet_length || ciphertext) is verified before anything is decrypted.
/// </remarks>
public sealed class AesCtrHmacPacketCipher : PacketCipher
{
    private const int LengthFieldSize = 4;
    private const int AesBlockSize = 16;

    private readonly AesCtr _ctr;
    private readonly IncrementalHash _hmac;
    private readonly bool _encryptThenMac;
    private readonly int _tagSize;

    // The MAC computed on receipt, compared against the received one.
    private readonly byte[] _computedMac;

    // Set by DecryptLength in plain mode: the first block of the pending packet is already
    // decrypted (and its keystream consumed), so Open must continue after it.
    private bool _firstBlockDecrypted;

    private bool _disposed;

    /// <param name="key">AES key, 16, 24 or 32 bytes.</param>
    /// <param name="iv">At least 16 bytes: the initial 128-bit counter.</param>
    /// <param name="macHash">SHA-256 or SHA-512.</param>
    /// <param name="macKey">HMAC key (RFC 6668: 32 or 64 bytes).</param>
    /// <param name="encryptThenMac">True for the -etm@openssh.com MACs.</param>
    /// <param name="encrypt">Unused: CTR encryption and decryption are the same keystream XOR.</param>
    public AesCtrHmacPacketCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, HashAlgorithmName macHash, ReadOnlySpan<byte> macKey, bool encryptThenMac, bool encrypt)
    {
        _ = encrypt;
        _tagSize = macHash == HashAlgorithmName.SHA256 ? 32
            : macHash == HashAlgorithmName.SHA512 ? 64
            : throw new ArgumentException($"Unsupported MAC hash {macHash.Name}", nameof(macHash));
        if (macKey.IsEmpty)
        {
            throw new ArgumentException("HMAC key is empty", nameof(macKey));
        }

        _encryptThenMac = encryptThenMac;
        _computedMac = new byte[_tagSize];
        _ctr = new AesCtr(key, iv);
        try
        {
            _hmac = IncrementalHash.CreateHMAC(macHash, macKey);
        }
        catch
        {
            _ctr.Dispose();
            throw;
        }
    }

    public override int BlockSize => AesBlockSize;

    public override int TagSize => _tagSize;

    public override int AadLength => _encryptThenMac ? LengthFieldSize : 0;

    public override int FirstBlockSize => _encryptThenMac ? LengthFieldSize : AesBlockSize;

    public override void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckPacket(packet, FirstBlockSize);
        if (tag.Length < _tagSize)
        {
            throw new ArgumentException("Tag buffer too small", nameof(tag));
        }

        if (_encryptThenMac)
        {
            _ctr.Transform(packet[LengthFieldSize..]);
            ComputeMac(sequenceNumber, packet, tag[.._tagSize]);
        }
        else
        {
            ComputeMac(sequenceNumber, packet, tag[.._tagSize]);
            _ctr.Transform(packet);
        }
    }

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBlock)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckPacket(firstBlock, FirstBlockSize);
        if (!_encryptThenMac && !_firstBlockDecrypted)
        {
            _ctr.Transform(firstBlock[..AesBlockSize]);
            _firstBlockDecrypted = true;
        }

        return BinaryPrimitives.ReadUInt32BigEndian(firstBlock);
    }

    public override bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckPacket(packet, FirstBlockSize);
        if (tag.Length != _tagSize)
        {
            throw new ArgumentException($"MAC must be {_tagSize} bytes", nameof(tag));
        }

        if (_encryptThenMac)
        {
            // Verify before decrypting so unauthenticated ciphertext never reaches the cipher
            // (the point of encrypt-then-MAC); on failure the keystream is not consumed.
            ComputeMac(sequenceNumber, packet, _computedMac);
            if (!CryptographicOperations.FixedTimeEquals(_computedMac, tag))
            {
                return false;
            }

            _ctr.Transform(packet[LengthFieldSize..]);
            return true;
        }

        var decrypted = _firstBlockDecrypted ? AesBlockSize : 0;
        _firstBlockDecrypted = false;
        _ctr.Transform(packet[decrypted..]);
        ComputeMac(sequenceNumber, packet, _computedMac);
        return CryptographicOperations.FixedTimeEquals(_computedMac, tag);
    }

    private void ComputeMac(uint sequenceNumber, ReadOnlySpan<byte> packet, Span<byte> mac)
    {
        Span<byte> sequence = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sequence, sequenceNumber);
        _hmac.AppendData(sequence);
        _hmac.AppendData(packet);
        var written = _hmac.GetHashAndReset(mac);
        System.Diagnostics.Debug.Assert(written == _tagSize, "HMAC output is the hash length");
    }

    private static void CheckPacket(ReadOnlySpan<byte> packet, int minimum)
    {
        if (packet.Length < minimum)
        {
            throw new ArgumentException($"Packet shorter than {minimum} bytes", nameof(packet));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _ctr.Dispose();
            _hmac.Dispose();
            CryptographicOperations.ZeroMemory(_computedMac);
        }

        base.Dispose(disposing);
    }
}
