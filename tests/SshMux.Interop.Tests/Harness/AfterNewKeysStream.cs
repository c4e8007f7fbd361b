namespace SshMux.Interop.Tests.Harness;

/// <summary>
/// Wraps the server side of a connection and changes what its reads see once the client's
/// first SSH_MSG_NEWKEYS has been delivered: either end of stream, as if the client had
/// closed right after it, or nothing until <c>resume</c> completes, as a slow network would.
/// Writes pass through. The first NEWKEYS is sent in the clear as a 16-byte packet (RFC 4253
/// section 6: packet_length 12, padding_length 10, message 21, 10 padding bytes), which is
/// what this looks for.
/// </summary>
public sealed class AfterNewKeysStream : Stream
{
    private static readonly byte[] Header = [0, 0, 0, 12, 10, 21];
    private const int PacketLength = 16;
    private static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(10);

    private readonly Stream _inner;
    private readonly Task? _resume;
    private readonly byte[] _recent = new byte[Header.Length - 1];
    private int _recentCount;
    private int _untilNewKeysEnd = -1;
    private bool _past;
    private byte[] _pending = [];
    private int _pendingOffset;

    /// <param name="resume">Null: end of stream after NEWKEYS. Otherwise later reads wait for it (at most 10 s).</param>
    public AfterNewKeysStream(Stream inner, Task? resume)
    {
        _inner = inner;
        _resume = resume;
    }

    /// <summary>A client that leaves right after NEWKEYS.</summary>
    public static AfterNewKeysStream EndOfStream(Stream inner) => new(inner, null);

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
        if (_past)
        {
            if (_resume is null)
            {
                return 0;
            }

            await Task.WhenAny(_resume, Task.Delay(MaxHold, cancellationToken)).ConfigureAwait(false);
            if (_pendingOffset < _pending.Length)
            {
                var count = Math.Min(buffer.Length, _pending.Length - _pendingOffset);
                _pending.AsMemory(_pendingOffset, count).CopyTo(buffer);
                _pendingOffset += count;
                return count;
            }

            return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        var limit = _untilNewKeysEnd > 0 ? Math.Min(buffer.Length, _untilNewKeysEnd) : buffer.Length;
        var read = await _inner.ReadAsync(buffer[..limit], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return 0;
        }

        if (_untilNewKeysEnd > 0)
        {
            _untilNewKeysEnd -= read;
            _past = _untilNewKeysEnd == 0;
            return read;
        }

        return Scan(buffer.Span[..read]);
    }

    /// <summary>Finds the NEWKEYS header, possibly split across reads; returns how many bytes to deliver now.</summary>
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

        var packetEnd = at - _recentCount + PacketLength;
        if (packetEnd > chunk.Length)
        {
            _untilNewKeysEnd = packetEnd - chunk.Length;
            return chunk.Length;
        }

        // Bytes read beyond NEWKEYS wait for the resume (or are dropped at end of stream).
        _pending = chunk[packetEnd..].ToArray();
        _past = true;
        return packetEnd;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
