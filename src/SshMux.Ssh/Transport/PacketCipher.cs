namespace SshMux.Ssh.Transport;

/// <summary>
/// Protects the packets of one direction of a connection (RFC 4253 section 6). An instance
/// holds the keys and per-packet state (GCM invocation counter, CTR keystream position) of
/// one direction after one NEWKEYS, and is used by one thread at a time.
///
/// A packet as handled here is the whole binary packet: uint32 packet_length, byte
/// padding_length, payload, random padding. The tag (MAC or AEAD tag) travels after it.
/// </summary>
public abstract class PacketCipher : IDisposable
{
    /// <summary>Packet length (with the length field when <see cref="AadLength"/> is 0) is padded to a multiple of this (at least 8).</summary>
    public abstract int BlockSize { get; }

    /// <summary>Bytes of MAC or AEAD tag that follow each packet.</summary>
    public abstract int TagSize { get; }

    /// <summary>
    /// 4 when the packet_length field is authenticated but not part of the padded, encrypted
    /// body (encrypt-then-MAC, AES-GCM, chacha20-poly1305: OpenSSH's "aadlen"), otherwise 0.
    /// </summary>
    public abstract int AadLength { get; }

    /// <summary>
    /// Bytes the receiver must have before it can learn the packet length: 4 when the length
    /// is in the clear or separately encrypted, the cipher block size for CTR with a MAC over
    /// the plaintext.
    /// </summary>
    public abstract int FirstBlockSize { get; }

    /// <summary>
    /// Encrypts <paramref name="packet"/> in place (the plaintext packet, length field first)
    /// and writes the tag.
    /// </summary>
    public abstract void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag);

    /// <summary>
    /// Returns packet_length (the value of the first uint32) from the first
    /// <see cref="FirstBlockSize"/> received bytes. Ciphers that must decrypt that block to
    /// read the length do so in place; <see cref="Open"/> then continues after it.
    /// </summary>
    public abstract uint DecryptLength(uint sequenceNumber, Span<byte> firstBlock);

    /// <summary>
    /// Checks the tag and decrypts <paramref name="packet"/> (4 + packet_length bytes, as
    /// received, the first block as <see cref="DecryptLength"/> left it) in place. Returns
    /// false when the tag does not verify; the packet contents are then unspecified. The tag
    /// is compared in constant time.
    /// </summary>
    public abstract bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
