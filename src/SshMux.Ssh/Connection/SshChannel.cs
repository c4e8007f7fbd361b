using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;

namespace SshMux.Ssh.Connection;

/// <summary>
/// One channel (RFC 4254 section 5). Inbound traffic is an ordered queue of events whose data
/// is bounded by the window we advertise: we only give the peer window for bytes the consumer
/// has released, so a slow consumer stops the sender and memory stays bounded. Outbound
/// data waits for the peer's window and is cut to its maximum packet size.
/// </summary>
public sealed class SshChannel
{
    /// <summary>Non-data events (requests, EOF) a peer may queue before we handle them.</summary>
    private const int MaxPendingControlEvents = 256;

    private readonly SshConnectionService _connection;
    private readonly Channel<ChannelEvent> _events = System.Threading.Channels.Channel.CreateUnbounded<ChannelEvent>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = true, AllowSynchronousContinuations = false });

    private readonly SemaphoreSlim _sendLock = new(1, 1);

    // Reused under _sendLock: the data path builds its message headers here.
    private readonly byte[] _dataHeader = new byte[9];
    private readonly byte[] _extendedHeader = new byte[13];

    // Released data events, reused by OnData (at most a few: one per message in flight).
    private readonly Stack<ChannelEvent> _spareEvents = new();
    private readonly Queue<TaskCompletionSource<bool>> _pendingRequests = new();
    private readonly object _sync = new();
    private TaskCompletionSource _windowSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _remoteWindow;
    private long _localWindow;
    private long _consumedSinceAdjust;
    private int _pendingControl;
    private int _repliesOwed;
    private bool _eofSent;
    private bool _closeSent;
    private bool _closeReceived;
    private bool _eofReceived;
    private Exception? _failure;

    internal SshChannel(SshConnectionService connection, string channelType, uint localId, uint localWindow, uint localMaxPacket)
    {
        _connection = connection;
        ChannelType = channelType;
        LocalId = localId;
        LocalWindowSize = localWindow;
        LocalMaxPacket = localMaxPacket;
        _localWindow = localWindow;
    }

    public string ChannelType { get; }

    public uint LocalId { get; }

    public uint RemoteId { get; private set; }

    /// <summary>The window we grant the peer when all released data has been credited back.</summary>
    public uint LocalWindowSize { get; }

    public uint LocalMaxPacket { get; }

    public uint RemoteMaxPacket { get; private set; }

    /// <summary>Type-specific data of the open request (inbound) or confirmation (outbound).</summary>
    public byte[] OpenData { get; internal set; } = [];

    public SshConnectionService Connection => _connection;

    public bool IsClosed
    {
        get
        {
            lock (_sync)
            {
                return _closeSent && _closeReceived;
            }
        }
    }

    internal void SetRemote(uint remoteId, uint window, uint maxPacket)
    {
        RemoteId = remoteId;
        RemoteMaxPacket = Math.Clamp(maxPacket, 1u, 256u * 1024);
        _remoteWindow = window;
    }

    /// <summary>Waits for the next inbound event. After <see cref="ChannelEventKind.Closed"/> every call returns it again.</summary>
    public async ValueTask<ChannelEvent> ReadEventAsync(CancellationToken cancellationToken = default)
    {
        if (await _events.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _events.Reader.TryRead(out var e))
        {
            if (e.Kind is ChannelEventKind.Request or ChannelEventKind.Eof)
            {
                Interlocked.Decrement(ref _pendingControl);
            }

            return e;
        }

        return new ChannelEvent(ChannelEventKind.Closed) { Error = _failure };
    }

    /// <summary>Returns a data event's buffer to the pool and credits its bytes back to the peer's window.</summary>
    public void Release(ChannelEvent channelEvent)
    {
        ArgumentNullException.ThrowIfNull(channelEvent);
        var buffer = channelEvent.Buffer;
        if (buffer is null)
        {
            return;
        }

        channelEvent.Buffer = null;
        ArrayPool<byte>.Shared.Return(buffer);
        uint adjust = 0;
        lock (_sync)
        {
            if (_spareEvents.Count < 8)
            {
                _spareEvents.Push(channelEvent);
            }

            _consumedSinceAdjust += channelEvent.Length;
            _localWindow += channelEvent.Length;

            // Adjust in large steps, as OpenSSH does, once half the window has been consumed.
            if (_consumedSinceAdjust >= LocalWindowSize / 2 && !_closeSent && !_closeReceived && !_eofReceived)
            {
                adjust = (uint)_consumedSinceAdjust;
                _consumedSinceAdjust = 0;
            }
        }

        if (adjust > 0)
        {
            var header = new byte[9];
            header[0] = ConnectionMessageNumbers.ChannelWindowAdjust;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), RemoteId);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(5), adjust);
            _connection.SendDetached(header);
        }
    }

    /// <summary>Sends data (or extended data when <paramref name="dataTypeCode"/> is set), waiting for window as needed.</summary>
    public async ValueTask SendDataAsync(ReadOnlyMemory<byte> data, uint? dataTypeCode = null, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var header = dataTypeCode is null ? _dataHeader : _extendedHeader;
            header[0] = dataTypeCode is null ? ConnectionMessageNumbers.ChannelData : ConnectionMessageNumbers.ChannelExtendedData;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), RemoteId);
            while (!data.IsEmpty)
            {
                int chunk;
                Task wait;
                lock (_sync)
                {
                    ThrowIfCannotSend("send data");
                    chunk = (int)Math.Min(Math.Min(_remoteWindow, RemoteMaxPacket), data.Length);
                    if (chunk > 0)
                    {
                        _remoteWindow -= chunk;
                        wait = Task.CompletedTask;
                    }
                    else
                    {
                        wait = _windowSignal.Task;
                    }
                }

                if (chunk == 0)
                {
                    await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (dataTypeCode is { } code)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(5), code);
                }

                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(header.Length - 4), (uint)chunk);
                await _connection.Transport.SendMessageAsync(header, data[..chunk], cancellationToken).ConfigureAwait(false);
                data = data[chunk..];
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends SSH_MSG_CHANNEL_EOF once (RFC 4254 section 5.3).</summary>
    public async ValueTask SendEofAsync(CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_sync)
            {
                if (_eofSent || _closeSent || _failure is not null)
                {
                    return;
                }

                _eofSent = true;
            }

            await _connection.Transport.SendMessageAsync(Simple(ConnectionMessageNumbers.ChannelEof), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends SSH_MSG_CHANNEL_CLOSE once; the channel is freed when both sides have closed.</summary>
    public async ValueTask CloseAsync(CancellationToken cancellationToken = default)
    {
        bool removeNow;
        lock (_sync)
        {
            if (_closeSent || _failure is not null)
            {
                return;
            }

            _closeSent = true;
            removeNow = _closeReceived;
        }

        try
        {
            await _connection.Transport.SendMessageAsync(Simple(ConnectionMessageNumbers.ChannelClose), cancellationToken).ConfigureAwait(false);
        }
        catch (SshException) when (_connection.Transport.IsClosed)
        {
        }

        if (removeNow)
        {
            _connection.Remove(this);
        }
    }

    /// <summary>Sends a channel request; with <paramref name="wantReply"/> waits for success (true) or failure (false).</summary>
    public async Task<bool> SendRequestAsync(string requestType, bool wantReply, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<bool>? reply = null;
        var payload = new ChannelRequestMessage(RemoteId, requestType, wantReply, data.ToArray()).ToPayload();
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_sync)
            {
                ThrowIfCannotSend("send a request");
                if (wantReply)
                {
                    reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _pendingRequests.Enqueue(reply);
                }
            }

            await _connection.Transport.SendMessageAsync(payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }

        return reply is null || await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers the oldest request that wanted a reply (replies go in request order, RFC 4254 section 5.4).</summary>
    public async ValueTask ReplyAsync(bool success, CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            if (_repliesOwed == 0)
            {
                throw new InvalidOperationException("No channel request is waiting for a reply");
            }

            _repliesOwed--;
            if (_closeSent || _failure is not null)
            {
                return;
            }
        }

        await _connection.Transport.SendMessageAsync(Simple(success ? ConnectionMessageNumbers.ChannelSuccess : ConnectionMessageNumbers.ChannelFailure), cancellationToken).ConfigureAwait(false);
    }

    private byte[] Simple(byte number)
    {
        var payload = new byte[5];
        payload[0] = number;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), RemoteId);
        return payload;
    }

    private void ThrowIfCannotSend(string what)
    {
        if (_failure is not null)
        {
            throw new SshException(DisconnectReason.ConnectionLost, $"Cannot {what} on channel {LocalId}: {_failure.Message}", _failure);
        }

        if (_closeSent || (_closeReceived && what == "send data"))
        {
            throw new SshException(DisconnectReason.ByApplication, $"Cannot {what} on channel {LocalId}: the channel is closed");
        }

        if (_eofSent && what == "send data")
        {
            throw new SshException(DisconnectReason.ByApplication, $"Cannot {what} on channel {LocalId}: EOF was already sent");
        }
    }

    // ---- Called by SshConnectionService on the receive loop --------------------------------

    internal void OnWindowAdjust(uint bytes)
    {
        TaskCompletionSource signal;
        lock (_sync)
        {
            _remoteWindow += bytes;
            if (_remoteWindow > uint.MaxValue)
            {
                throw new SshException(DisconnectReason.ProtocolError, $"Window adjust overflows the window of channel {LocalId}");
            }

            signal = _windowSignal;
            _windowSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }

    internal void OnData(ReadOnlySpan<byte> data, uint? dataTypeCode)
    {
        lock (_sync)
        {
            if (_eofReceived || _closeReceived)
            {
                throw new SshException(DisconnectReason.ProtocolError, $"Data on channel {LocalId} after the peer's EOF or CLOSE");
            }

            if (data.Length > _localWindow)
            {
                throw new SshException(DisconnectReason.ProtocolError,
                    $"Peer sent {data.Length} bytes on channel {LocalId} with only {_localWindow} bytes of window left");
            }

            if (data.Length > LocalMaxPacket)
            {
                throw new SshException(DisconnectReason.ProtocolError,
                    $"Peer sent {data.Length} bytes in one message on channel {LocalId}; the maximum packet size is {LocalMaxPacket}");
            }

            _localWindow -= data.Length;
        }

        if (data.IsEmpty)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        ChannelEvent? e;
        lock (_sync)
        {
            _spareEvents.TryPop(out e);
        }

        e ??= new ChannelEvent(ChannelEventKind.Data);
        e.Kind = dataTypeCode is null ? ChannelEventKind.Data : ChannelEventKind.ExtendedData;
        e.Buffer = buffer;
        e.Length = data.Length;
        e.DataTypeCode = dataTypeCode ?? 0;
        _events.Writer.TryWrite(e);
    }

    internal void OnEof()
    {
        lock (_sync)
        {
            if (_eofReceived || _closeReceived)
            {
                return;
            }

            _eofReceived = true;
        }

        EnqueueControl(ChannelEvent.EofEvent);
    }

    internal void OnRequest(ChannelRequestMessage request)
    {
        lock (_sync)
        {
            if (_closeReceived)
            {
                throw new SshException(DisconnectReason.ProtocolError, $"Request on channel {LocalId} after the peer's CLOSE");
            }

            if (request.WantReply)
            {
                _repliesOwed++;
            }
        }

        EnqueueControl(new ChannelEvent(ChannelEventKind.Request) { RequestType = request.RequestType, WantReply = request.WantReply, RequestData = request.Data });
    }

    private void EnqueueControl(ChannelEvent e)
    {
        if (Interlocked.Increment(ref _pendingControl) > MaxPendingControlEvents)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Peer queued more than {MaxPendingControlEvents} requests on channel {LocalId}");
        }

        _events.Writer.TryWrite(e);
    }

    internal void OnRequestReply(bool success)
    {
        TaskCompletionSource<bool> pending;
        lock (_sync)
        {
            if (!_pendingRequests.TryDequeue(out pending!))
            {
                throw new SshException(DisconnectReason.ProtocolError, $"Unexpected request reply on channel {LocalId}");
            }
        }

        pending.TrySetResult(success);
    }

    /// <summary>
    /// The peer's CLOSE. With <paramref name="answerNow"/> we answer with ours at once (RFC 4254
    /// section 5.3); otherwise the consumer answers with <see cref="CloseAsync"/> and may send
    /// requests (an exit-status a relay is still forwarding) until then.
    /// </summary>
    internal bool OnClose(bool answerNow)
    {
        bool sendClose;
        lock (_sync)
        {
            if (_closeReceived)
            {
                throw new SshException(DisconnectReason.ProtocolError, $"Second CLOSE on channel {LocalId}");
            }

            _closeReceived = true;
            sendClose = answerNow && !_closeSent;
            _closeSent |= answerNow;
        }

        FailPending(new SshException(DisconnectReason.ByApplication, $"Channel {LocalId} was closed by the peer"));
        _events.Writer.TryComplete();
        _windowSignal.TrySetResult();
        return sendClose;
    }

    internal byte[] CloseMessage() => Simple(ConnectionMessageNumbers.ChannelClose);

    internal void OnConnectionLost(Exception reason)
    {
        lock (_sync)
        {
            _failure ??= reason;
        }

        FailPending(reason);
        _events.Writer.TryComplete();
        _windowSignal.TrySetResult();
    }

    private void FailPending(Exception reason)
    {
        lock (_sync)
        {
            while (_pendingRequests.TryDequeue(out var pending))
            {
                pending.TrySetException(reason);
            }
        }
    }
}
