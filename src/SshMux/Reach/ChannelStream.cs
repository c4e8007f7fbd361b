using SshMux.Ssh;
using SshMux.Ssh.Connection;

namespace SshMux.Reach;

/// <summary>
/// A direct-tcpip channel (RFC 4254 section 7.2) over a jump host's connection as a byte
/// stream, the transport of the next hop: what ssh -J / ProxyJump does with `ssh -W`. Reads
/// hand out each data event's bytes in place and release the event (giving the jump host its
/// window back) only once they are all taken, so nothing is copied twice or allocated per packet.
/// </summary>
internal sealed class ChannelStream(SshChannel channel) : DuplexStream
{
    private ChannelEvent? _current;
    private int _offset;
    private bool _ended;
    private int _disposed;

    public SshChannel Channel => channel;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_current is null)
        {
            if (_ended)
            {
                return 0;
            }

            var e = await channel.ReadEventAsync(cancellationToken).ConfigureAwait(false);
            switch (e.Kind)
            {
                case ChannelEventKind.Data:
                    _current = e;
                    _offset = 0;
                    break;
                case ChannelEventKind.ExtendedData:
                    // A direct-tcpip channel has no stderr; ignore what a server sends anyway.
                    channel.Release(e);
                    break;
                case ChannelEventKind.Request:
                    if (e.WantReply)
                    {
                        await channel.ReplyAsync(false, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case ChannelEventKind.Eof:
                    _ended = true;
                    break;
                case ChannelEventKind.Closed:
                    _ended = true;
                    if (e.Error is { } error)
                    {
                        throw new IOException("The jump host's connection was lost: " + error.Message, error);
                    }

                    break;
            }
        }

        var data = _current.Data.Span[_offset..];
        var n = Math.Min(data.Length, buffer.Length);
        data[..n].CopyTo(buffer.Span);
        _offset += n;
        if (_offset == _current.Length)
        {
            channel.Release(_current);
            _current = null;
        }

        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await channel.SendDataAsync(buffer, null, cancellationToken).ConfigureAwait(false);
        }
        catch (SshException e)
        {
            throw new IOException("Cannot write to the tunnel through the jump host: " + e.Message, e);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_current is { } pending)
        {
            _current = null;
            channel.Release(pending);
        }

        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (SshException)
        {
            // The jump connection is gone already.
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Volatile.Read(ref _disposed) == 0)
        {
            _ = DisposeAsync().AsTask();
        }

        base.Dispose(disposing);
    }
}
