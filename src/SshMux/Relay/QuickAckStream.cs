using System.Net.Sockets;

namespace SshMux.Relay;

/// <summary>
/// A socket stream that acknowledges every read at once on Linux (TCP_QUICKACK). OpenSSH
/// clients leave Nagle's algorithm on for non-interactive sessions, so during the handshake
/// their second small packet waits for our ACK, which delayed ACK holds back for 40 ms:
/// twice per connection. Quick ACKs on loopback cost nothing and remove both stalls.
/// Elsewhere this is a plain pass-through (a platform seam; macOS and Windows untested).
/// </summary>
internal sealed class QuickAckStream(Socket socket) : Stream
{
    private const int IpProtoTcp = 6;
    private const int TcpQuickAck = 12;
    private static readonly byte[] s_on = [1, 0, 0, 0];
    private readonly NetworkStream _inner = new(socket, ownsSocket: true);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = _inner.Read(buffer, offset, count);
        QuickAck();
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        QuickAck();
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void QuickAck()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            // The kernel clears TCP_QUICKACK by itself, so it is set again after each read.
            socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, s_on);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
