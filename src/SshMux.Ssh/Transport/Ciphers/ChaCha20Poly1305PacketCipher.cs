using System.Buffers.Binary;
using System.Security.Cryptography;
using SshMux.Ssh.Crypto;

namespace SshMux.Ssh.Transport.Ciphers;

/// <summary>
/// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305); the 64-byte key is K_2 || K_1.
/// <para>
/// K_1 encrypts only the 4-byte packet_length; K_2 derives the per-packet Poly1305 key (first
/// 32 bytes of keystream block 0) and encrypts the rest of the packet from block 1. Both use
/// the original ChaCha20 layout with the sequence number as a big-endian uint64 nonce. The tag
/// is Poly1305 over the encrypted length followed by the ciphertext.
/// </para>
/// <para>
/// <see cref="DecryptLength"/> decrypts the length field in place; <see cref="Open"/> expects
/// it that way (as the <see cref="PacketCipher"/> contract says), re-derives its ciphertext
/// on the stack for the MAC, checks the tag, and only then decrypts the rest in place.
/// </para>
/// </summary>
public sealed class ChaCha20Poly1305PacketCipher : PacketCipher
{
    private const int LengthFieldSize = 4;
    private const int PolyKeySize = Poly1305.KeySize;

    // Pinned so the GC never leaves a stale copy of the key behind when it compacts.
    private readonly byte[] _key;
    private bool _disposed;

    public ChaCha20Poly1305PacketCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != 2 * ChaCha20.KeySize)
        {
            throw new ArgumentException("chacha20-poly1305@openssh.com takes 64 bytes of key material.", nameof(key));
        }

        _key = GC.AllocateArray<byte>(2 * ChaCha20.KeySize, pinned: true);
        key.CopyTo(_key);
    }

    public override int BlockSize => 8;

    public override int TagSize => 16;

    public override int AadLength => 4;

    public override int FirstBlockSize => 4;

    // PROTOCOL.chacha20poly1305: "The first 256 bits constitute K_2 and the second 256 bits
    // become K_1."
    private ReadOnlySpan<byte> PayloadKey => _key.AsSpan(0, ChaCha20.KeySize);

    private ReadOnlySpan<byte> LengthKey => _key.AsSpan(ChaCha20.KeySize, ChaCha20.KeySize);

    public override void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckSizes(packet.Length, tag.Length);

        Span<byte> nonce = stackalloc byte[ChaCha20.OriginalNonceSize];
        WriteNonce(nonce, sequenceNumber);
        Span<byte> polyKey = stackalloc byte[PolyKeySize];
        DerivePolyKey(nonce, polyKey);

        ChaCha20.Xor(LengthKey, nonce, 0, packet[..LengthFieldSize]);
        ChaCha20.Xor(PayloadKey, nonce, 1, packet[LengthFieldSize..]);
        Poly1305.ComputeTag(polyKey, packet, tag[..TagSize]);
        CryptographicOperations.ZeroMemory(polyKey);
    }

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBlock)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (firstBlock.Length < LengthFieldSize)
        {
            throw new ArgumentException("The packet length field needs 4 bytes.", nameof(firstBlock));
        }

        // PROTOCOL.chacha20poly1305 "Packet Handling": K_1, the sequence number as nonce,
        // block counter zero. The rest of the packet is left alone until the MAC is checked.
        Span<byte> nonce = stackalloc byte[ChaCha20.OriginalNonceSize];
        WriteNonce(nonce, sequenceNumber);
        ChaCha20.Xor(LengthKey, nonce, 0, firstBlock[..LengthFieldSize]);
        return BinaryPrimitives.ReadUInt32BigEndian(firstBlock);
    }

    public override bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckSizes(packet.Length, tag.Length);

        Span<byte> nonce = stackalloc byte[ChaCha20.OriginalNonceSize];
        WriteNonce(nonce, sequenceNumber);

        // The MAC covers the length as it travelled; DecryptLength left it decrypted, and
        // re-encrypting it is one keystream block, cheaper than keeping per-packet state.
        Span<byte> encryptedLength = stackalloc byte[LengthFieldSize];
        ChaCha20.Xor(LengthKey, nonce, 0, packet[..LengthFieldSize], encryptedLength);

        Span<byte> polyKey = stackalloc byte[PolyKeySize];
        DerivePolyKey(nonce, polyKey);
        var mac = new Poly1305(polyKey);
        CryptographicOperations.ZeroMemory(polyKey);
        mac.Update(encryptedLength);
        mac.Update(packet[LengthFieldSize..]);

        // "the MAC MUST be checked before decryption", in constant time.
        if (!mac.FinishAndVerify(tag[..TagSize]))
        {
            return false;
        }

        ChaCha20.Xor(PayloadKey, nonce, 1, packet[LengthFieldSize..]);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
        }

        base.Dispose(disposing);
    }

    /// <summary>The per-packet Poly1305 key: the first 32 bytes of K_2's keystream block 0.</summary>
    private void DerivePolyKey(ReadOnlySpan<byte> nonce, Span<byte> polyKey)
    {
        polyKey.Clear();
        ChaCha20.Xor(PayloadKey, nonce, 0, polyKey);
    }

    /// <summary>The nonce is the sequence number "encoded as an uint64 under the SSH wire encoding rules" (big-endian).</summary>
    private static void WriteNonce(Span<byte> nonce, uint sequenceNumber) =>
        BinaryPrimitives.WriteUInt64BigEndian(nonce, sequenceNumber);

    private void CheckSizes(int packetLength, int tagLength)
    {
        if (packetLength < LengthFieldSize)
        {
            throw new ArgumentException("A packet starts with its 4-byte length field.", "packet");
        }

        if (tagLength < TagSize)
        {
            throw new ArgumentException("The tag is 16 bytes.", "tag");
        }
    }
}
