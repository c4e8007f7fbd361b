using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Connection;

/// <summary>A channel the peer asks to open; <see cref="Channel"/> exists already, not yet confirmed.</summary>
public sealed record IncomingChannelOpen(string ChannelType, byte[] Data, SshChannel Channel);

/// <summary>The answer to an <see cref="IncomingChannelOpen"/>.</summary>
public sealed class ChannelOpenDecision
{
    private ChannelOpenDecision()
    {
    }

    public bool Accepted { get; private init; }

    public ChannelOpenFailureReason Reason { get; private init; }

    public string Description { get; private init; } = string.Empty;

    /// <summary>Runs once the confirmation is sent: the channel's owner (e.g. a relay's pumps).</summary>
    public Func<SshChannel, Task>? Run { get; private init; }

    public static ChannelOpenDecision Accept(Func<SshChannel, Task> run) => new() { Accepted = true, Run = run };

    public static ChannelOpenDecision Reject(ChannelOpenFailureReason reason, string description) => new() { Reason = reason, Description = description };
}

/// <summary>A channel open the peer refused (RFC 4254 section 5.1), with its reason code and description.</summary>
public sealed class ChannelOpenException(ChannelOpenFailureReason reason, string description)
    : SshException(DisconnectReason.ByApplication, $"Channel open refused: {description} ({reason})")
{
    public ChannelOpenFailureReason FailureReason { get; } = reason;

    public string Description { get; } = description;
}

/// <summary>
/// The connection protocol (RFC 4254) over one authenticated transport, in either role: the
/// channel table, channel opens in both directions and global requests. Inbound opens are
/// decided off the receive loop (a relay may need a round trip upstream first), so one slow
/// decision never stalls the other channels.
/// </summary>
public sealed class SshConnectionService : ISshService
{
    /// <summary>OpenSSH's session window (64 packets of 32 KiB) and maximum packet size.</summary>
    public const uint DefaultWindowSize = 2 * 1024 * 1024;
    public const uint DefaultMaxPacket = 32 * 1024;

    private readonly object _sync = new();
    private readonly Dictionary<uint, SshChannel> _channels = [];
    private readonly Dictionary<uint, TaskCompletionSource<SshChannel>> _pendingOpens = [];

    /// <summary>
    /// Opens the caller gave up on after CHANNEL_OPEN went out. The peer still owes an answer
    /// for each (RFC 4254 section 5.1), so the id stays reserved in <see cref="_channels"/>
    /// until it comes: a late failure frees it, a late confirmation is closed like any channel.
    /// </summary>
    private readonly HashSet<uint> _abandonedOpens = [];
    private readonly Queue<TaskCompletionSource<(bool, byte[])>> _pendingGlobal = new();
    private uint _nextId;
    private Exception? _closed;

    public SshConnectionService(SshServiceRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        Transport = router.Transport;
        router.Connection = this;
        _ = Transport.Completion.ContinueWith(_ => OnTransportClosed(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public SshTransport Transport { get; }

    public uint WindowSize { get; set; } = DefaultWindowSize;

    public uint MaxPacket { get; set; } = DefaultMaxPacket;

    /// <summary>Most channels open at once; further opens are refused with resource-shortage.</summary>
    public int MaxChannels { get; set; } = 1024;

    /// <summary>
    /// Answer a peer's CHANNEL_CLOSE with ours at once (the default). A relay turns this off so
    /// that what the far side still sends before its own CLOSE (typically exit-status after
    /// EOF) reaches the client first; the channel's consumer then closes it.
    /// </summary>
    public bool AnswerCloseAtOnce { get; set; } = true;

    /// <summary>Decides inbound channel opens. Without a handler every open is refused.</summary>
    public Func<IncomingChannelOpen, CancellationToken, Task<ChannelOpenDecision>>? ChannelOpenHandler { get; set; }

    /// <summary>Answers inbound global requests (success, reply data). Without one, unknown requests fail.</summary>
    public Func<GlobalRequestMessage, CancellationToken, ValueTask<(bool Success, byte[] Data)>>? GlobalRequestHandler { get; set; }

    /// <summary>The peer sent no-more-sessions@openssh.com (OpenSSH PROTOCOL 2.2).</summary>
    public bool NoMoreSessions { get; private set; }

    public int ChannelCount
    {
        get
        {
            lock (_sync)
            {
                return _channels.Count;
            }
        }
    }

    /// <summary>Opens a channel and waits for the peer's confirmation; a refusal raises <see cref="ChannelOpenException"/>.</summary>
    public async Task<SshChannel> OpenChannelAsync(string channelType, ReadOnlyMemory<byte> typeSpecificData, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<SshChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        SshChannel channel;
        lock (_sync)
        {
            ThrowIfClosed();
            channel = new SshChannel(this, channelType, AllocateId(), WindowSize, MaxPacket);
            _pendingOpens.Add(channel.LocalId, done);
            _channels.Add(channel.LocalId, channel);
        }

        try
        {
            var open = new ChannelOpenMessage(channelType, channel.LocalId, WindowSize, MaxPacket, typeSpecificData.ToArray());
            await Transport.SendMessageAsync(open.ToPayload(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Cancelled before the write (or the connection died): the peer never saw this id.
            lock (_sync)
            {
                _pendingOpens.Remove(channel.LocalId);
                _channels.Remove(channel.LocalId);
            }

            throw;
        }

        try
        {
            return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Abandon(channel, done);
            throw;
        }
    }

    /// <summary>The caller stopped waiting for an open that is on the wire; see <see cref="_abandonedOpens"/>.</summary>
    private void Abandon(SshChannel channel, TaskCompletionSource<SshChannel> done)
    {
        lock (_sync)
        {
            if (_pendingOpens.Remove(channel.LocalId))
            {
                _abandonedOpens.Add(channel.LocalId);
                return;
            }
        }

        // The answer crossed the cancellation: a confirmed channel nobody will own is closed.
        if (done.Task.IsCompletedSuccessfully)
        {
            CloseDetached(channel);
        }
    }

    private static void CloseDetached(SshChannel channel) => SshTransport.RunDetached(async () =>
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (SshException)
        {
        }
    });

    public Task<SshChannel> OpenSessionAsync(CancellationToken cancellationToken = default) => OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>Sends a global request; with <paramref name="wantReply"/> waits for the answer (replies come in request order).</summary>
    public async Task<(bool Success, byte[] Data)> SendGlobalRequestAsync(string name, bool wantReply, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<(bool, byte[])>? reply = null;
        var payload = new GlobalRequestMessage(name, wantReply, data.ToArray()).ToPayload();
        if (wantReply)
        {
            reply = new TaskCompletionSource<(bool, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_sync)
            {
                ThrowIfClosed();
                _pendingGlobal.Enqueue(reply);
            }
        }

        await Transport.SendMessageAsync(payload, cancellationToken).ConfigureAwait(false);
        return reply is null ? (true, []) : await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>When the last connection message arrived (<see cref="Environment.TickCount64"/>); keepalives probe a quiet peer only.</summary>
    public long LastReceivedTicks => Volatile.Read(ref _lastReceived);

    private long _lastReceived = Environment.TickCount64;

    public async ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastReceived, Environment.TickCount64);
        var number = payload.Span[0];
        switch (number)
        {
            case ConnectionMessageNumbers.GlobalRequest:
                await HandleGlobalRequestAsync(GlobalRequestMessage.Parse(payload.Span), cancellationToken).ConfigureAwait(false);
                return;
            case ConnectionMessageNumbers.RequestSuccess or ConnectionMessageNumbers.RequestFailure:
                TaskCompletionSource<(bool, byte[])>? pending;
                lock (_sync)
                {
                    _pendingGlobal.TryDequeue(out pending);
                }

                if (pending is null)
                {
                    throw new SshException(DisconnectReason.ProtocolError, "Unexpected global request reply: no request is pending");
                }

                pending.TrySetResult((number == ConnectionMessageNumbers.RequestSuccess, payload.Span[1..].ToArray()));
                return;
            case ConnectionMessageNumbers.ChannelOpen:
                HandleChannelOpen(ChannelOpenMessage.Parse(payload.Span));
                return;
            case ConnectionMessageNumbers.ChannelOpenConfirmation:
                HandleOpenConfirmation(ChannelOpenConfirmationMessage.Parse(payload.Span));
                return;
            case ConnectionMessageNumbers.ChannelOpenFailure:
                HandleOpenFailure(ChannelOpenFailureMessage.Parse(payload.Span));
                return;
        }

        var r = new SshReader(payload.Span);
        r.ReadByte();
        var channel = Find(r.ReadUInt32("recipient channel"), number);
        if (channel is null)
        {
            return;
        }

        switch (number)
        {
            case ConnectionMessageNumbers.ChannelWindowAdjust:
                var bytes = r.ReadUInt32("bytes to add");
                r.EnsureEnd("SSH_MSG_CHANNEL_WINDOW_ADJUST");
                channel.OnWindowAdjust(bytes);
                return;
            case ConnectionMessageNumbers.ChannelData:
                var data = r.ReadBinary("data");
                r.EnsureEnd("SSH_MSG_CHANNEL_DATA");
                channel.OnData(data, null);
                return;
            case ConnectionMessageNumbers.ChannelExtendedData:
                var code = r.ReadUInt32("data type code");
                var extended = r.ReadBinary("data");
                r.EnsureEnd("SSH_MSG_CHANNEL_EXTENDED_DATA");
                channel.OnData(extended, code);
                return;
            case ConnectionMessageNumbers.ChannelEof:
                r.EnsureEnd("SSH_MSG_CHANNEL_EOF");
                channel.OnEof();
                return;
            case ConnectionMessageNumbers.ChannelClose:
                r.EnsureEnd("SSH_MSG_CHANNEL_CLOSE");
                if (channel.OnClose(AnswerCloseAtOnce))
                {
                    await Transport.SendMessageAsync(channel.CloseMessage(), cancellationToken).ConfigureAwait(false);
                }

                // A channel that had sent its own CLOSE already (an abandoned open, or a consumer
                // that closed first) is finished now even when the consumer answers closes.
                if (AnswerCloseAtOnce || channel.IsClosed)
                {
                    Remove(channel);
                }

                return;
            case ConnectionMessageNumbers.ChannelRequest:
                channel.OnRequest(ChannelRequestMessage.Parse(payload.Span));
                return;
            case ConnectionMessageNumbers.ChannelSuccess or ConnectionMessageNumbers.ChannelFailure:
                r.EnsureEnd(number == ConnectionMessageNumbers.ChannelSuccess ? "SSH_MSG_CHANNEL_SUCCESS" : "SSH_MSG_CHANNEL_FAILURE");
                channel.OnRequestReply(number == ConnectionMessageNumbers.ChannelSuccess);
                return;
            default:
                await Transport.SendMessageAsync(new SshMux.Ssh.Transport.Messages.UnimplementedMessage(Transport.LastReceivedSequenceNumber).ToPayload(), cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    private SshChannel? Find(uint id, byte number)
    {
        lock (_sync)
        {
            if (_channels.TryGetValue(id, out var channel) && !_pendingOpens.ContainsKey(id) && !_abandonedOpens.Contains(id))
            {
                return channel;
            }

            // A window adjust or request reply can cross our CLOSE (some servers even send a
            // reply after their own CLOSE); like OpenSSH, ignore those for a channel that just closed.
            if (number is ConnectionMessageNumbers.ChannelWindowAdjust or ConnectionMessageNumbers.ChannelSuccess or ConnectionMessageNumbers.ChannelFailure
                && _recentlyClosed.Contains(id))
            {
                Transport.Options.Log?.Invoke(SshLogLevel.Debug, $"Ignoring message {number} for channel {id}, which is closed");
                return null;
            }
        }

        throw new SshException(DisconnectReason.ProtocolError, $"Message {number} for unknown channel {id}");
    }

    /// <summary>The last channel ids freed, for <see cref="Find"/>.</summary>
    private readonly HashSet<uint> _recentlyClosed = [];
    private readonly Queue<uint> _recentlyClosedOrder = new();

    private async ValueTask HandleGlobalRequestAsync(GlobalRequestMessage request, CancellationToken cancellationToken)
    {
        var success = false;
        byte[] data = [];
        if (request.RequestName == "no-more-sessions@openssh.com")
        {
            NoMoreSessions = true;
            success = true;
        }
        else if (GlobalRequestHandler is { } handler && request.RequestName != "keepalive@openssh.com")
        {
            (success, data) = await handler(request, cancellationToken).ConfigureAwait(false);
        }

        // keepalive@openssh.com only wants an answer; like OpenSSH we answer with failure.
        if (request.WantReply)
        {
            byte[] header = [success ? ConnectionMessageNumbers.RequestSuccess : ConnectionMessageNumbers.RequestFailure];
            await Transport.SendMessageAsync(header, success ? data : ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
    }

    private void HandleChannelOpen(ChannelOpenMessage open)
    {
        SshChannel? channel = null;
        ChannelOpenFailureReason? refusal = null;
        var why = string.Empty;
        lock (_sync)
        {
            if (_closed is not null)
            {
                return;
            }

            if (open.ChannelType == "session" && NoMoreSessions)
            {
                (refusal, why) = (ChannelOpenFailureReason.AdministrativelyProhibited, "no more sessions (no-more-sessions@openssh.com was sent)");
            }
            else if (_channels.Count >= MaxChannels)
            {
                (refusal, why) = (ChannelOpenFailureReason.ResourceShortage, $"too many channels (limit {MaxChannels})");
            }
            else if (ChannelOpenHandler is null)
            {
                (refusal, why) = (ChannelOpenFailureReason.AdministrativelyProhibited, $"{Sanitize(open.ChannelType)} channels are not accepted");
            }
            else
            {
                channel = new SshChannel(this, open.ChannelType, AllocateId(), WindowSize, MaxPacket) { OpenData = open.TypeSpecificData };
                channel.SetRemote(open.SenderChannel, open.InitialWindowSize, open.MaximumPacketSize);
                _channels.Add(channel.LocalId, channel);
            }
        }

        if (channel is null)
        {
            SendDetached(new ChannelOpenFailureMessage(open.SenderChannel, refusal!.Value, why).ToPayload());
            return;
        }

        var handler = ChannelOpenHandler!;
        SshTransport.RunDetached(async () =>
        {
            ChannelOpenDecision decision;
            try
            {
                decision = await handler(new IncomingChannelOpen(open.ChannelType, open.TypeSpecificData, channel), CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A failing decision refuses this channel; it must not take the connection down.
            catch (Exception e)
#pragma warning restore CA1031
            {
                decision = ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, e.Message);
            }

            try
            {
                if (!decision.Accepted)
                {
                    Remove(channel);
                    await Transport.SendMessageAsync(new ChannelOpenFailureMessage(open.SenderChannel, decision.Reason, decision.Description).ToPayload()).ConfigureAwait(false);
                    return;
                }

                var confirm = new ChannelOpenConfirmationMessage(open.SenderChannel, channel.LocalId, WindowSize, MaxPacket, []);
                await Transport.SendMessageAsync(confirm.ToPayload()).ConfigureAwait(false);
            }
            catch (SshException)
            {
                return; // the connection is gone; OnTransportClosed cleans up
            }

            if (decision.Run is { } run)
            {
                await run(channel).ConfigureAwait(false);
            }
        });
    }

    private void HandleOpenConfirmation(ChannelOpenConfirmationMessage confirmation)
    {
        TaskCompletionSource<SshChannel>? done;
        SshChannel? channel;
        bool abandoned;
        lock (_sync)
        {
            _pendingOpens.Remove(confirmation.RecipientChannel, out done);
            abandoned = done is null && _abandonedOpens.Remove(confirmation.RecipientChannel);
            _channels.TryGetValue(confirmation.RecipientChannel, out channel);
        }

        if ((done is null && !abandoned) || channel is null)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Open confirmation for channel {confirmation.RecipientChannel}, which was not being opened");
        }

        channel.SetRemote(confirmation.SenderChannel, confirmation.InitialWindowSize, confirmation.MaximumPacketSize);
        channel.OpenData = confirmation.TypeSpecificData;
        if (abandoned)
        {
            // Nobody waits for this channel any more: close it (RFC 4254 section 5.3); the id
            // is freed when the peer's CLOSE arrives, as for any channel.
            Transport.Options.Log?.Invoke(SshLogLevel.Debug, $"Closing channel {channel.LocalId}: confirmed after its open was cancelled");
            CloseDetached(channel);
            return;
        }

        done!.TrySetResult(channel);
    }

    private void HandleOpenFailure(ChannelOpenFailureMessage failure)
    {
        TaskCompletionSource<SshChannel>? done;
        lock (_sync)
        {
            _pendingOpens.Remove(failure.RecipientChannel, out done);
            if (done is not null || _abandonedOpens.Remove(failure.RecipientChannel))
            {
                _channels.Remove(failure.RecipientChannel);
                if (done is null)
                {
                    // A refusal of an open the caller gave up on: nothing more to do.
                    Transport.Options.Log?.Invoke(SshLogLevel.Debug, $"Open of channel {failure.RecipientChannel} failed after it was cancelled");
                    return;
                }
            }
        }

        if (done is null)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Open failure for channel {failure.RecipientChannel}, which was not being opened");
        }

        done.TrySetException(new ChannelOpenException(failure.Reason, Sanitize(failure.Description)));
    }

    private uint AllocateId()
    {
        while (_channels.ContainsKey(_nextId))
        {
            _nextId++;
        }

        // A reused id is no longer "recently closed": its messages are for the new channel.
        _recentlyClosed.Remove(_nextId);
        return _nextId++;
    }

    internal void Remove(SshChannel channel)
    {
        lock (_sync)
        {
            if (_channels.TryGetValue(channel.LocalId, out var current) && ReferenceEquals(current, channel))
            {
                _channels.Remove(channel.LocalId);
                if (_recentlyClosed.Add(channel.LocalId))
                {
                    _recentlyClosedOrder.Enqueue(channel.LocalId);
                }

                while (_recentlyClosedOrder.Count > 256)
                {
                    _recentlyClosed.Remove(_recentlyClosedOrder.Dequeue());
                }
            }
        }
    }

    /// <summary>Sends without waiting (window adjusts, refusals); a failure closes the connection anyway.</summary>
    internal void SendDetached(byte[] payload) => SshTransport.RunDetached(async () =>
    {
        try
        {
            await Transport.SendMessageAsync(payload).ConfigureAwait(false);
        }
        catch (SshException)
        {
        }
    });

    private void ThrowIfClosed()
    {
        if (_closed is not null)
        {
            throw new SshException(DisconnectReason.ConnectionLost, "The connection is closed: " + _closed.Message, _closed);
        }
    }

    private void OnTransportClosed()
    {
        var reason = Transport.CloseReason ?? new SshException(DisconnectReason.ConnectionLost, "Connection closed");
        List<SshChannel> channels;
        List<TaskCompletionSource<SshChannel>> opens;
        List<TaskCompletionSource<(bool, byte[])>> globals;
        lock (_sync)
        {
            _closed = reason;
            channels = [.. _channels.Values];
            opens = [.. _pendingOpens.Values];
            globals = [.. _pendingGlobal];
            _channels.Clear();
            _pendingOpens.Clear();
            _abandonedOpens.Clear();
            _pendingGlobal.Clear();
        }

        foreach (var channel in channels)
        {
            channel.OnConnectionLost(reason);
        }

        foreach (var open in opens)
        {
            open.TrySetException(reason);
        }

        foreach (var global in globals)
        {
            global.TrySetException(reason);
        }
    }

    private static string Sanitize(string text) => VersionExchange.Printable(text, 200);
}
