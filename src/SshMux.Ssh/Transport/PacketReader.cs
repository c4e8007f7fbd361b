using System.Buffers;
using System.Text;
using SshMux.Ssh.Transport.Ciphers;

namespace SshMux.Ssh.Transport;

/// <summary>
/// The receiving half of the binary packet protocol (RFC 4253 section 6). Owns one buffer
/// that holds at most one packet plus read-ahead; a returned payload aliases that buffer
/// and is valid until the next call. Used by one task at a time (the receive loop).
/// </summary>
public sealed class PacketReader : IDisposable
{
    /// <summary>Largest packet_length accepted. RFC 4253 section 6.1 asks for at least 35000.</summary>
    public const int MaxPacketLength = 256 * 1024;

    private const int MaxTagSize = 64;
    /// <summary>Idle and interactive connections keep a small buffer...</summary>
    private const int InitialBufferSize = 16 * 1024;

    /// <summary>...which grows to this once bulk-sized packets arrive, so one read takes several packets.</summary>
    private const int BulkBufferSize = 256 * 1024;
    private const int BulkPacketThreshold = 8 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public PacketReader(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    public PacketCipher Cipher { get; set; } = NonePacketCipher.Instance;

    /// <summary>Sequence number of the next packet (RFC 4253 section 6.4); wraps at 2^32.</summary>
    public uint SequenceNumber { get; set; }

    /// <summary>Bytes received (on the wire) since the counters were last reset.</summary>
    public long BytesSinceRekey { get; set; }

    public long PacketsSinceRekey { get; set; }

    /// <summary>Total packets received on the connection.</summary>
    public long TotalPackets { get; private set; }

    /// <summary>
    /// Reads one line for the version exchange. Returns it without CR LF. A line longer than
    /// <paramref name="maxLength"/> bytes (with its CR LF) or holding a NUL is an error.
    /// </summary>
    public async ValueTask<string> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            var newline = available[scanned..].IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var lineLength = scanned + newline + 1;
                if (lineLength > maxLength)
                {
                    throw new SshException(DisconnectReason.ProtocolError, $"Identification line longer than {maxLength} bytes");
                }

                var line = available[..(lineLength - 1)];
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line = line[..^1];
                }

                if (line.Contains((byte)0))
                {
                    throw new SshException(DisconnectReason.ProtocolError, "Identification line contains a NUL byte");
                }

                var text = Encoding.Latin1.GetString(line);
                _start += lineLength;
                return text;
            }

            scanned = available.Length;
            if (scanned >= maxLength)
            {
                throw new SshException(DisconnectReason.ProtocolError,
                    $"Identification line longer than {maxLength} bytes: \"{VersionExchange.Printable(Encoding.Latin1.GetString(available[..Math.Min(available.Length, 60)]))}\"");
            }

            await FillAsync(scanned + 1, "the identification string", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads, authenticates and decrypts the next packet and returns its payload (message
    /// number first). Errors name the problem: bad length, bad padding, MAC failure.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadPacketAsync(CancellationToken cancellationToken)
    {
        var cipher = Cipher;
        var first = cipher.FirstBlockSize;
        if (_end - _start < first)
        {
            await FillAsync(first, "a packet header", cancellationToken).ConfigureAwait(false);
        }

        var packetLength = cipher.DecryptLength(SequenceNumber, _buffer.AsSpan(_start, first));
        var blockSize = Math.Max(8, cipher.BlockSize);
        if (packetLength > MaxPacketLength)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Bad packet length {packetLength} (maximum is {MaxPacketLength})");
        }

        var aligned = cipher.AadLength == 0 ? 4 + packetLength : packetLength;
        if (packetLength < 5 || aligned % blockSize != 0 || 4 + packetLength < first)
        {
            throw new SshException(DisconnectReason.ProtocolError,
                $"Bad packet length {packetLength}: not a positive multiple of the {blockSize}-byte block size");
        }

        var total = 4 + (int)packetLength + cipher.TagSize;
        if (_end - _start < total)
        {
            await FillAsync(total, "a packet body", cancellationToken).ConfigureAwait(false);
        }

        var packet = _buffer.AsSpan(_start, 4 + (int)packetLength);
        var tag = _buffer.AsSpan(_start + 4 + (int)packetLength, cipher.TagSize);
        if (!cipher.Open(SequenceNumber, packet, tag))
        {
            throw new SshException(DisconnectReason.MacError, $"Corrupted MAC on input (packet {SequenceNumber})");
        }

        var paddingLength = packet[4];
        if (paddingLength < 4 || paddingLength > packetLength - 2)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Bad padding length {paddingLength} in a packet of length {packetLength}");
        }

        var payloadLength = (int)packetLength - paddingLength - 1;
        var payload = new ReadOnlyMemory<byte>(_buffer, _start + 5, payloadLength);
        _start += total;
        SequenceNumber++;
        BytesSinceRekey += total;
        PacketsSinceRekey++;
        TotalPackets++;
        return payload;
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available, growing the buffer as needed.</summary>
    private async ValueTask FillAsync(int count, string what, CancellationToken cancellationToken)
    {
        if (_buffer.Length - _start < count)
        {
            if (_buffer.Length < count || (count >= BulkPacketThreshold && _buffer.Length < BulkBufferSize))
            {
                var next = ArrayPool<byte>.Shared.Rent(Math.Max(count, BulkBufferSize));
                _buffer.AsSpan(_start, _end - _start).CopyTo(next);
                ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
                _buffer = next;
            }
            else
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            }

            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new SshException(DisconnectReason.ConnectionLost, $"Connection lost while reading {what}: {e.Message}", e);
            }

            if (read == 0)
            {
                var got = _end - _start;
                throw new SshException(DisconnectReason.ConnectionLost,
                    got == 0 ? $"Connection closed by peer while waiting for {what}" : $"Connection closed by peer in the middle of {what} ({got} of {count} bytes)");
            }

            _end += read;
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
