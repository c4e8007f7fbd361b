namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// Wraps the server side of a connection so that, read through it, the client seems to
/// close its end right after its first SSH_MSG_NEWKEYS: every later read returns end of
/// stream. Writes pass through. The first NEWKEYS is sent in the clear as a 16-byte packet
/// (RFC 4253 section 6: packet_length 12, padding_length 10, message 21, 10 padding bytes),
/// which is what this looks for.
/// </summary>
public sealed class EndAfterNewKeysStream(Stream inner) : Stream
{
    private static readonly byte[] Header = [0, 0, 0, 12, 10, 21];
    private const int PacketLength = 16;

    private readonly byte[] _recent = new byte[Header.Length - 1];
    private int _recentCount;
    private int _untilEnd = -1;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_untilEnd == 0)
        {
            return 0;
        }

        var limit = _untilEnd > 0 ? Math.Min(buffer.Length, _untilEnd) : buffer.Length;
        var read = await inner.ReadAsync(buffer[..limit], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return 0;
        }

        if (_untilEnd > 0)
        {
            _untilEnd -= read;
            return read;
        }

        return Scan(buffer.Span[..read]);
    }

    /// <summary>Finds the NEWKEYS header, possibly split across reads; returns how many bytes to deliver.</summary>
    private int Scan(ReadOnlySpan<byte> chunk)
    {
        var window = new byte[_recentCount + chunk.Length];
        _recent.AsSpan(0, _recentCount).CopyTo(window);
        chunk.CopyTo(window.AsSpan(_recentCount));
        var at = window.AsSpan().IndexOf(Header);
        if (at < 0)
        {
            _recentCount = Math.Min(_recent.Length, window.Length);
            window.AsSpan(window.Length - _recentCount).CopyTo(_recent);
            return chunk.Length;
        }

        // Deliver up to the end of the NEWKEYS packet, then nothing more. Bytes already read
        // beyond it are dropped, as if they had never been sent.
        var packetEnd = at - _recentCount + PacketLength;
        if (packetEnd <= chunk.Length)
        {
            _untilEnd = 0;
            return packetEnd;
        }

        _untilEnd = packetEnd - chunk.Length;
        return chunk.Length;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
