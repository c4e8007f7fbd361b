using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using SshMux.Ssh.Transport.Ciphers;

namespace SshMux.Ssh.Transport;

/// <summary>
/// The sending half of the binary packet protocol (RFC 4253 section 6). Callers serialise
/// access (the transport holds its write lock around every call).
/// </summary>
public sealed class PacketWriter : IDisposable
{
    private const int MaxPadding = 255;

    private readonly Stream _stream;
    private byte[] _buffer;

    public PacketWriter(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(36 * 1024);
    }

    public PacketCipher Cipher { get; set; } = NonePacketCipher.Instance;

    public uint SequenceNumber { get; set; }

    public long BytesSinceRekey { get; set; }

    public long PacketsSinceRekey { get; set; }

    public async ValueTask WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(line + "\r\n");
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Frames, protects and sends one payload.</summary>
    public ValueTask WritePacketAsync(ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var total = Frame(payload, []);
        return SendAsync(total, cancellationToken);
    }

    /// <summary>
    /// Sends a payload given in two parts (a message header and its bulk data), copying each
    /// once, straight into the packet buffer: the channel data path uses this.
    /// </summary>
    public ValueTask WritePacketAsync(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body, CancellationToken cancellationToken)
    {
        var total = Frame(header, body);
        return SendAsync(total, cancellationToken);
    }

    private int Frame(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        var payloadLength = header.Length + body.Length;
        var cipher = Cipher;
        var blockSize = Math.Max(8, cipher.BlockSize);

        // RFC 4253 section 6: padding makes (length || padding_length || payload || padding) a
        // multiple of the block size, at least 4 bytes. With an AAD length field (EtM, AEAD) the
        // 4-byte length is outside the padded region, as OpenSSH does.
        var unpadded = 1 + payloadLength + (cipher.AadLength == 0 ? 4 : 0);
        var padding = blockSize - (unpadded % blockSize);
        if (padding < 4)
        {
            padding += blockSize;
        }

        var packetLength = 1 + payloadLength + padding;
        var total = 4 + packetLength + cipher.TagSize;
        if (padding > MaxPadding || packetLength > PacketReader.MaxPacketLength)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Outgoing payload of {payloadLength} bytes is too large for one packet");
        }

        if (_buffer.Length < total)
        {
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
            _buffer = ArrayPool<byte>.Shared.Rent(total);
        }

        var span = _buffer.AsSpan(0, total);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)packetLength);
        span[4] = (byte)padding;
        header.CopyTo(span[5..]);
        body.CopyTo(span[(5 + header.Length)..]);
        RandomNumberGenerator.Fill(span.Slice(5 + payloadLength, padding));
        cipher.Seal(SequenceNumber, span[..(4 + packetLength)], span.Slice(4 + packetLength, cipher.TagSize));
        SequenceNumber++;
        BytesSinceRekey += total;
        PacketsSinceRekey++;
        return total;
    }

    private async ValueTask SendAsync(int total, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.WriteAsync(_buffer.AsMemory(0, total), cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // A socket closed under us throws IOException, a stream disposed by the close path
            // ObjectDisposedException, a pipe-backed stream whose writer was completed
            // InvalidOperationException: for the caller all are the same lost connection.
            throw new SshException(DisconnectReason.ConnectionLost, $"Connection lost while sending: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
            _buffer = [];
        }
    }
}
