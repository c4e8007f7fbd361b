using System.Buffers;
using System.Buffers.Binary;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Sftp;

/// <summary>
/// One reply of the server, its bytes after the type and request id in a pooled buffer;
/// dispose it once read.
/// </summary>
internal sealed class SftpResponse : IDisposable
{
    private byte[]? _buffer;

    public SftpResponse(byte type, ReadOnlySpan<byte> body)
    {
        Type = type;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, body.Length));
        body.CopyTo(_buffer);
        Length = body.Length;
    }

    public byte Type { get; }

    public int Length { get; }

    public ReadOnlySpan<byte> Body => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> BodyMemory => _buffer.AsMemory(0, Length);

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>
/// SFTP packets over a session channel (draft-ietf-secsh-filexfer-02 section 3: uint32
/// length, byte type, then for requests a uint32 id). Replies are matched to requests by id,
/// so any number may be in flight; they are copied out of the channel's events at once, so the
/// channel window keeps moving and memory is bounded by the replies callers have asked for
/// plus one packet being assembled.
/// </summary>
internal sealed class SftpPacketChannel
{
    /// <summary>
    /// Largest reply accepted. OpenSSH's sftp-server caps its own messages at 256 KiB
    /// (SFTP_MAX_MSG_LENGTH); a directory listing of long names may come near it.
    /// </summary>
    public const int MaxPacketLength = 256 * 1024 + 1024;

    private readonly SshChannel _channel;
    private readonly object _sync = new();
    private readonly Dictionary<uint, TaskCompletionSource<SftpResponse>> _pending = [];
    private readonly TaskCompletionSource<SftpResponse> _version = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _rx = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _rxLength;
    private uint _nextId;
    private Exception? _failure;

    public SftpPacketChannel(SshChannel channel)
    {
        _channel = channel;
        Completion = Task.Run(ReceiveLoopAsync);
    }

    public SshChannel Channel => _channel;

    /// <summary>Ends when the channel closes; every request still waiting has failed by then.</summary>
    public Task Completion { get; }

    /// <summary>The server's SSH_FXP_VERSION (it carries no request id).</summary>
    public Task<SftpResponse> Version => _version.Task;

    public uint NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>Registers <paramref name="id"/> and sends the finished packet; the task completes with the reply.</summary>
    public async Task<SftpResponse> RequestAsync(uint id, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        var reply = Register(id);
        await SendAsync(packet, cancellationToken).ConfigureAwait(false);
        return await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers a reply slot first, so a fast reply cannot arrive before anyone waits for it.</summary>
    public Task<SftpResponse> Register(uint id)
    {
        var reply = new TaskCompletionSource<SftpResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            if (_failure is not null)
            {
                throw Lost();
            }

            _pending.Add(id, reply);
        }

        return reply.Task;
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.SendDataAsync(packet, null, cancellationToken).ConfigureAwait(false);
        }
        catch (SshException e) when (e is not SftpException)
        {
            Fail(e);
            throw Lost();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                var e = await _channel.ReadEventAsync().ConfigureAwait(false);
                switch (e.Kind)
                {
                    case ChannelEventKind.Data:
                        Append(e.Data.Span);
                        _channel.Release(e);
                        Dispatch();
                        break;
                    case ChannelEventKind.ExtendedData:
                        // sftp-server's stderr (its log with -e): not part of the protocol.
                        _channel.Connection.Transport.Options.Log?.Invoke(SshLogLevel.Debug, "sftp-server: " + VersionExchange.Printable(System.Text.Encoding.UTF8.GetString(e.Data.Span), 400));
                        _channel.Release(e);
                        break;
                    case ChannelEventKind.Request when e.WantReply:
                        await _channel.ReplyAsync(false).ConfigureAwait(false);
                        break;
                    case ChannelEventKind.Closed:
                        Fail(new SftpException(SftpStatusCode.ConnectionLost,
                            "The SFTP channel was closed" + (e.Error is null ? " by the server" : ": " + e.Error.Message)));
                        return;
                }
            }
        }
        catch (SshException e)
        {
            Fail(e);

            // A reply we cannot parse leaves the stream out of step: nothing after it can be trusted.
            try
            {
                await _channel.CloseAsync().ConfigureAwait(false);
            }
            catch (SshException)
            {
            }
        }
        finally
        {
            lock (_sync)
            {
                ArrayPool<byte>.Shared.Return(_rx);
                _rx = [];
                _rxLength = 0;
            }
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_rx.Length - _rxLength < data.Length)
        {
            var needed = _rxLength + data.Length;
            if (needed > MaxPacketLength + 4 + _channel.LocalMaxPacket)
            {
                throw new SftpException(SftpStatusCode.BadMessage, "The SFTP server sent more than a packet's worth of data without finishing a packet");
            }

            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _rx.Length * 2));
            _rx.AsSpan(0, _rxLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_rx);
            _rx = bigger;
        }

        data.CopyTo(_rx.AsSpan(_rxLength));
        _rxLength += data.Length;
    }

    private void Dispatch()
    {
        var start = 0;
        while (_rxLength - start >= 4)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(_rx.AsSpan(start));
            if (length is 0 or > MaxPacketLength)
            {
                throw new SftpException(SftpStatusCode.BadMessage, $"The SFTP server sent a packet of {length} bytes (limit {MaxPacketLength})");
            }

            if (_rxLength - start - 4 < length)
            {
                break;
            }

            Handle(_rx.AsSpan(start + 4, (int)length));
            start += 4 + (int)length;
        }

        if (start > 0)
        {
            _rx.AsSpan(start, _rxLength - start).CopyTo(_rx);
            _rxLength -= start;
        }
    }

    private void Handle(ReadOnlySpan<byte> packet)
    {
        var type = packet[0];
        if (!_version.Task.IsCompleted)
        {
            if (type != SftpPacketType.Version)
            {
                throw new SftpException(SftpStatusCode.BadMessage, $"The SFTP server answered INIT with {SftpPacketType.Describe(type)} instead of SSH_FXP_VERSION");
            }

            _version.TrySetResult(new SftpResponse(type, packet[1..]));
            return;
        }

        if (packet.Length < 5)
        {
            throw new SftpException(SftpStatusCode.BadMessage, $"The SFTP server sent a {packet.Length}-byte {SftpPacketType.Describe(type)} without a request id");
        }

        var id = BinaryPrimitives.ReadUInt32BigEndian(packet[1..]);
        TaskCompletionSource<SftpResponse>? reply;
        lock (_sync)
        {
            _pending.Remove(id, out reply);
        }

        if (reply is null)
        {
            throw new SftpException(SftpStatusCode.BadMessage, $"The SFTP server sent {SftpPacketType.Describe(type)} for request {id}, which is not waiting for a reply");
        }

        var response = new SftpResponse(type, packet[5..]);
        if (!reply.TrySetResult(response))
        {
            response.Dispose();
        }
    }

    private void Fail(Exception reason)
    {
        List<TaskCompletionSource<SftpResponse>> pending;
        lock (_sync)
        {
            _failure ??= reason;
            pending = [.. _pending.Values];
            _pending.Clear();
        }

        var error = Lost();
        _version.TrySetException(error);
        foreach (var reply in pending)
        {
            reply.TrySetException(error);
        }
    }

    private SftpException Lost() => _failure switch
    {
        SftpException sftp => sftp,
        { } other => new SftpException(SftpStatusCode.ConnectionLost, "The SFTP session failed: " + other.Message, other),
        null => new SftpException(SftpStatusCode.ConnectionLost, "The SFTP session failed"),
    };
}
