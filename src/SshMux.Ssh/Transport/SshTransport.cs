using System.Diagnostics;
using System.Text;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport.Messages;

namespace SshMux.Ssh.Transport;

/// <summary>
/// One SSH transport connection (RFC 4253) in either role. A single receive loop owns the
/// protocol state: it reads every packet, handles the transport messages itself (including
/// every key exchange) and hands the rest to <see cref="MessageHandler"/>. Senders on any
/// task share one write lock; while a key exchange is in progress only key exchange
/// messages go out, so channel data is never lost or reordered across a re-key.
/// </summary>
public sealed partial class SshTransport : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly SshTransportOptions _options;
    private readonly PacketReader _reader;
    private readonly PacketWriter _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource _firstKex = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _kexGate = NewCompletedGate();
    private TaskCompletionSource<string>? _serviceAccept;
    private int _closing;
    private Exception? _closeReason;

    private SshTransport(Stream stream, SshTransportOptions options, bool isClient)
    {
        _stream = stream;
        _options = options;
        IsClient = isClient;
        _reader = new PacketReader(stream);
        _writer = new PacketWriter(stream);
        LocalVersion = VersionExchange.BuildIdentification(options.SoftwareVersion, options.IdentificationComments);
    }

    public bool IsClient { get; }

    /// <summary>The options the connection was made with (layers above use its log).</summary>
    public SshTransportOptions Options => _options;

    /// <summary>Our identification string, without CR LF.</summary>
    public string LocalVersion { get; }

    /// <summary>The peer's identification string, without CR LF.</summary>
    public string RemoteVersion { get; private set; } = string.Empty;

    /// <summary>Lines the server sent before its identification string (RFC 4253 section 4.2).</summary>
    public IReadOnlyList<string> PreambleLines => _preamble;

    /// <summary>The algorithms of the most recent key exchange.</summary>
    public NegotiatedAlgorithms? Negotiated { get; private set; }

    /// <summary>The peer's first KEXINIT: what it offers.</summary>
    public KexInitMessage? PeerKexInit { get; private set; }

    public bool IsStrictKex => _strictKex;

    /// <summary>H of the first key exchange (RFC 4253 section 7.2).</summary>
    public ReadOnlyMemory<byte> SessionId => _sessionId;

    /// <summary>The server's host key (client role), or the one we proved (server role).</summary>
    public SshPublicKey? HostKey { get; private set; }

    /// <summary>When the first key exchange used a host certificate: that certificate (<see cref="HostKey"/> is its certified key).</summary>
    public SshCertificate? HostCertificate { get; private set; }

    /// <summary>K_S of the first key exchange: the certificate blob when there was one, else the host key blob (what publickey-hostbound binds to).</summary>
    public ReadOnlyMemory<byte> HostKeyBlob => HostCertificate?.Blob ?? HostKey?.Blob ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>server-sig-algs from the server's SSH_MSG_EXT_INFO (RFC 8308), when it sent one.</summary>
    public IReadOnlyList<string>? ServerSignatureAlgorithms { get; private set; }

    /// <summary>Every extension of the server's SSH_MSG_EXT_INFO (RFC 8308 section 2.3) in the order sent, when it sent one.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>>? ServerExtensions { get; private set; }

    /// <summary>Completed key exchanges, the first one included.</summary>
    public int KeyExchangeCount => Volatile.Read(ref _kexCount);

    /// <summary>Completes when the connection is closed, for whatever reason (see <see cref="CloseReason"/>).</summary>
    public Task Completion => _closed.Task;

    /// <summary>Why the connection closed: null for a local, orderly close.</summary>
    public Exception? CloseReason => _closeReason;

    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    /// <summary>Sequence number of the packet being handled (for SSH_MSG_UNIMPLEMENTED replies).</summary>
    public uint LastReceivedSequenceNumber => _reader.SequenceNumber - 1;

    /// <summary>
    /// Receives every message above the transport layer (numbers 50 and up, RFC 4250 section
    /// 4.1.2) on the receive loop. The payload is valid only until the returned task completes.
    /// Without a handler they are answered with SSH_MSG_UNIMPLEMENTED.
    /// </summary>
    public Func<SshTransport, ReadOnlyMemory<byte>, CancellationToken, ValueTask>? MessageHandler { get; set; }

    /// <summary>Connects as a client over an established stream and completes the first key exchange.</summary>
    public static Task<SshTransport> ConnectAsync(Stream stream, SshClientOptions options, CancellationToken cancellationToken = default) =>
        ConnectAsync(stream, options, null, cancellationToken);

    /// <summary>
    /// Connects as a client; <paramref name="configure"/> runs before any packet is read, so
    /// the layers above (a <see cref="SshServiceRouter"/> and its services) are attached before
    /// the peer's first message after the key exchange can arrive.
    /// </summary>
    public static async Task<SshTransport> ConnectAsync(Stream stream, SshClientOptions options, Action<SshTransport>? configure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var transport = new SshTransport(stream, options, isClient: true);
        configure?.Invoke(transport);
        await transport.StartAsync(cancellationToken).ConfigureAwait(false);
        return transport;
    }

    /// <summary>Serves one accepted connection and completes the first key exchange.</summary>
    public static Task<SshTransport> AcceptAsync(Stream stream, SshServerOptions options, CancellationToken cancellationToken = default) =>
        AcceptAsync(stream, options, null, cancellationToken);

    /// <summary>
    /// Serves one accepted connection; <paramref name="configure"/> runs before any packet is
    /// read. A client may send its authentication request right behind its NEWKEYS, so a
    /// server attaches its authentication layer here, not after this method returns.
    /// </summary>
    public static async Task<SshTransport> AcceptAsync(Stream stream, SshServerOptions options, Action<SshTransport>? configure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.HostKeys.Count == 0)
        {
            throw new ArgumentException("A server needs at least one host key", nameof(options));
        }

        var transport = new SshTransport(stream, options, isClient: false);
        configure?.Invoke(transport);
        await transport.StartAsync(cancellationToken).ConfigureAwait(false);
        return transport;
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        handshake.CancelAfter(_options.HandshakeTimeout);
        var phase = "the peer's identification string";
        try
        {
            using (var versionTimeout = CancellationTokenSource.CreateLinkedTokenSource(handshake.Token))
            {
                versionTimeout.CancelAfter(_options.VersionExchangeTimeout);
                await _writer.WriteLineAsync(LocalVersion, versionTimeout.Token).ConfigureAwait(false);
                RemoteVersion = await ReadIdentificationAsync(versionTimeout.Token).ConfigureAwait(false);
            }

            Log(SshLogLevel.Debug, $"Remote identification: {VersionExchange.Printable(RemoteVersion)}");
            phase = "the key exchange to complete";
            await SendKexInitAsync(handshake.Token).ConfigureAwait(false);
            RunDetached(ReceiveLoopAsync);
            try
            {
                await _firstKex.Task.WaitAsync(handshake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_firstKex.Task.IsCompletedSuccessfully)
            {
                // The handshake finished and the peer closed at once (a client that cannot
                // authenticate does): the handshake still succeeded; Completion reports the close.
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && _closeReason is null)
        {
            var timeout = phase.StartsWith("the peer", StringComparison.Ordinal) ? _options.VersionExchangeTimeout : _options.HandshakeTimeout;
            var error = new SshException(DisconnectReason.ByApplication, $"Timed out after {timeout.TotalSeconds:0.#} s waiting for {phase}");
            await AbortAsync(error).ConfigureAwait(false);
            throw error;
        }
        catch (Exception e)
        {
            var error = _closeReason ?? e;
            await AbortAsync(error).ConfigureAwait(false);
            if (error is SshException && !ReferenceEquals(error, e))
            {
                throw ExceptionDispatch(error);
            }

            throw;
        }
    }

    private static Exception ExceptionDispatch(Exception e) =>
        e is SshException s ? new SshException(s.Reason, s.Message, s) { FromPeer = s.FromPeer } : e;

    private readonly List<string> _preamble = [];

    private async Task<string> ReadIdentificationAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            string line;
            try
            {
                line = await _reader.ReadLineAsync(VersionExchange.MaxLineLength, cancellationToken).ConfigureAwait(false);
            }
            catch (SshException e) when (e.Reason == DisconnectReason.ConnectionLost && _preamble.Count > 0)
            {
                // Say what the peer did send: it is usually another protocol (HTTP, SMTP...).
                throw new SshException(DisconnectReason.ConnectionLost,
                    $"Peer closed the connection without an SSH identification string; it sent: \"{VersionExchange.Printable(_preamble[0])}\"", e);
            }

            if (line.StartsWith("SSH-", StringComparison.Ordinal))
            {
                return VersionExchange.Validate(line);
            }

            // Only a server may send other lines first (RFC 4253 section 4.2).
            if (!IsClient)
            {
                throw new SshException(DisconnectReason.ProtocolError, $"Client sent no SSH identification string: \"{VersionExchange.Printable(line)}\"");
            }

            if (_preamble.Count >= VersionExchange.MaxPreambleLines)
            {
                throw new SshException(DisconnectReason.ProtocolError, $"Server sent more than {VersionExchange.MaxPreambleLines} lines without an SSH identification string");
            }

            _preamble.Add(line);
        }
    }

    /// <summary>
    /// Sends one message (payload starts with the message number). Messages other than key
    /// exchange ones wait while a key exchange is in progress (RFC 4253 section 7.1).
    /// </summary>
    public ValueTask SendMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        SendMessageAsync(payload, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>
    /// Sends a message whose payload is <paramref name="header"/> followed by <paramref name="body"/>,
    /// each copied once into the packet (the bulk data path of channels).
    /// </summary>
    public async ValueTask SendMessageAsync(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        if (header.IsEmpty)
        {
            throw new ArgumentException("A message needs at least its message number", nameof(header));
        }

        var number = header.Span[0];
        while (true)
        {
            ThrowIfClosed();
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            Task? gate = null;
            SshException? failure = null;
            try
            {
                ThrowIfClosed();
                if (_kexInitSent && !MessageNumbers.IsAllowedDuringKex(number))
                {
                    if (s_onReceiveLoop.Value)
                    {
                        // The receive loop must never wait for the key exchange it alone can
                        // finish: its replies go out, in order, right after our NEWKEYS.
                        _deferred.Add([.. header.Span, .. body.Span]);
                    }
                    else
                    {
                        gate = _kexGate.Task;
                    }
                }
                else
                {
                    // The connection's own token: a write abandoned half-way would desynchronise the stream.
                    await _writer.WritePacketAsync(header.Span, body.Span, _lifetime.Token).ConfigureAwait(false);
                }
            }
            catch (SshException e) when (Volatile.Read(ref _closing) == 0)
            {
                failure = e;
            }
            finally
            {
                _writeLock.Release();
            }

            if (failure is not null)
            {
                await AbortAsync(failure).ConfigureAwait(false);
                throw failure;
            }

            if (gate is null)
            {
                break;
            }

            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        MaybeStartRekey();
    }

    /// <summary>Client: requests a service (RFC 4253 section 10) and waits for SSH_MSG_SERVICE_ACCEPT.</summary>
    public async Task RequestServiceAsync(string serviceName, CancellationToken cancellationToken = default)
    {
        if (!IsClient)
        {
            throw new InvalidOperationException("Only a client requests services");
        }

        var accept = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _serviceAccept, accept, null) is not null)
        {
            throw new InvalidOperationException("A service request is already pending");
        }

        await SendMessageAsync(new ServiceMessage(MessageNumbers.ServiceRequest, serviceName).ToPayload(), cancellationToken).ConfigureAwait(false);
        var accepted = await accept.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (accepted != serviceName)
        {
            var error = new SshException(DisconnectReason.ProtocolError, $"Server accepted service \"{VersionExchange.Printable(accepted)}\" but \"{serviceName}\" was requested");
            await AbortAsync(error).ConfigureAwait(false);
            throw error;
        }
    }

    /// <summary>Sends SSH_MSG_DISCONNECT and closes the connection.</summary>
    public Task DisconnectAsync(DisconnectReason reason, string description) =>
        AbortAsync(new SshException(reason, description), orderly: true);

    /// <summary>
    /// Closes the connection because of <paramref name="reason"/>, which becomes
    /// <see cref="CloseReason"/> (a keepalive timeout, for example). A reason other than
    /// <see cref="DisconnectReason.ConnectionLost"/> is sent to the peer first, best effort.
    /// </summary>
    public Task CloseAsync(SshException reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return AbortAsync(reason);
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync(DisconnectReason.ByApplication, "Connection closed by ssh-mux").ConfigureAwait(false);
        _reader.Dispose();
        _writer.Dispose();
        _lifetime.Dispose();
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closing) != 0)
        {
            var reason = _closeReason;
            throw reason is null
                ? new SshException(DisconnectReason.ConnectionLost, "The connection is closed")
                : new SshException(reason is SshException s ? s.Reason : DisconnectReason.ConnectionLost, "The connection is closed: " + reason.Message, reason);
        }
    }

    /// <summary>
    /// Starts work that is not part of the receive loop (so it waits for a key exchange like
    /// any other sender) without letting the receive loop's context flow into it.
    /// </summary>
    public static void RunDetached(Func<Task> work)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            _ = Task.Run(work, CancellationToken.None);
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(work, CancellationToken.None);
        }
    }

    /// <summary>True on the receive loop and in the handlers it awaits (not in tasks started with flow suppressed).</summary>
    private static readonly AsyncLocal<bool> s_onReceiveLoop = new();

    /// <summary>Messages the receive loop sent while our KEXINIT was outstanding.</summary>
    private readonly List<byte[]> _deferred = [];

    private async Task ReceiveLoopAsync()
    {
        s_onReceiveLoop.Value = true;
        try
        {
            while (true)
            {
                var payload = await _reader.ReadPacketAsync(_lifetime.Token).ConfigureAwait(false);
                await DispatchAsync(payload).ConfigureAwait(false);
                MaybeStartRekey();
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            await AbortAsync(null).ConfigureAwait(false);
        }
        catch (SshException e)
        {
            await AbortAsync(e).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            await AbortAsync(new SshException(DisconnectReason.ConnectionLost, "Connection lost: " + e.Message, e)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The receive loop is the last line: any failure must close the connection with a reason, never escape unobserved.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await AbortAsync(new SshException(DisconnectReason.ProtocolError, $"Internal error: {e.GetType().Name}: {e.Message}", e)).ConfigureAwait(false);
        }
    }

    private async ValueTask DispatchAsync(ReadOnlyMemory<byte> payload)
    {
        var number = payload.Span[0];
        var sequence = _reader.SequenceNumber - 1;
        switch (number)
        {
            case MessageNumbers.Disconnect:
                throw PeerDisconnected(payload.Span);
            case MessageNumbers.Ignore:
                CheckStrictInitial(number);
                return;
            case MessageNumbers.Debug:
                CheckStrictInitial(number);
                var debug = DebugMessage.Parse(payload.Span);
                Log(SshLogLevel.Debug, "Peer debug message: " + VersionExchange.Printable(debug.Message, 200));
                return;
            case MessageNumbers.Unimplemented:
                CheckStrictInitial(number);
                CheckKexInitRefused(UnimplementedMessage.Parse(payload.Span).SequenceNumber);
                return;
            case MessageNumbers.KexInit:
                await RunKeyExchangeAsync(payload.ToArray()).ConfigureAwait(false);
                return;
        }

        if (_kexCount == 0)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Unexpected message {number} before the first key exchange finished");
        }

        switch (number)
        {
            case MessageNumbers.ServiceRequest when !IsClient:
                await HandleServiceRequestAsync(ServiceMessage.Parse(payload.Span).ServiceName).ConfigureAwait(false);
                return;
            case MessageNumbers.ServiceAccept when IsClient:
                var accepted = ServiceMessage.Parse(payload.Span).ServiceName;
                var pending = Interlocked.Exchange(ref _serviceAccept, null)
                    ?? throw new SshException(DisconnectReason.ProtocolError, "Unexpected SSH_MSG_SERVICE_ACCEPT: no service was requested");
                pending.TrySetResult(accepted);
                return;
            case MessageNumbers.ExtInfo:
                HandleExtInfo(payload.Span);
                return;
            case MessageNumbers.NewKeys:
            case >= MessageNumbers.KexFirst and <= MessageNumbers.KexLast:
                throw new SshException(DisconnectReason.ProtocolError, $"Unexpected key exchange message {number} outside a key exchange");
        }

        if (number < MessageNumbers.UserAuthRequest)
        {
            await SendUnimplementedAsync(sequence).ConfigureAwait(false);
            return;
        }

        if (!IsClient && _acceptedService is null)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Message {number} before any service was requested");
        }

        var handler = MessageHandler;
        if (handler is not null)
        {
            await handler(this, payload, _lifetime.Token).ConfigureAwait(false);
        }
        else if (!IsClient && number == MessageNumbers.UserAuthRequest)
        {
            // No authentication layer attached: say that no method can continue (RFC 4252 section 5.1).
            await SendMessageAsync(new byte[] { MessageNumbers.UserAuthFailure, 0, 0, 0, 0, 0 }, _lifetime.Token).ConfigureAwait(false);
        }
        else
        {
            await SendUnimplementedAsync(sequence).ConfigureAwait(false);
        }
    }

    private string? _acceptedService;

    private async ValueTask HandleServiceRequestAsync(string name)
    {
        if (!((SshServerOptions)_options).Services.Contains(name))
        {
            throw new SshException(DisconnectReason.ServiceNotAvailable, $"Service \"{VersionExchange.Printable(name)}\" is not available");
        }

        _acceptedService = name;
        await SendMessageAsync(new ServiceMessage(MessageNumbers.ServiceAccept, name).ToPayload(), _lifetime.Token).ConfigureAwait(false);
    }

    private void HandleExtInfo(ReadOnlySpan<byte> payload)
    {
        var info = ExtInfoMessage.Parse(payload);
        if (!IsClient)
        {
            return; // ssh-mux's server uses no client extension yet.
        }

        ServerExtensions = info.Extensions;

        foreach (var (name, value) in info.Extensions)
        {
            if (name == "server-sig-algs")
            {
                var text = Encoding.ASCII.GetString(value);
                ServerSignatureAlgorithms = text.Length == 0 ? [] : text.Split(',');
            }
        }
    }

    private async ValueTask SendUnimplementedAsync(uint sequence) =>
        await SendMessageAsync(new UnimplementedMessage(sequence).ToPayload(), _lifetime.Token).ConfigureAwait(false);

    private static SshException PeerDisconnected(ReadOnlySpan<byte> payload)
    {
        var message = DisconnectMessage.Parse(payload);
        var text = string.IsNullOrEmpty(message.Description) ? "(no description)" : VersionExchange.Printable(message.Description, 200);
        return new SshException(message.Reason, $"Peer disconnected: {text} (reason {(uint)message.Reason}, {message.Reason})") { FromPeer = true };
    }

    private void Log(SshLogLevel level, string message) => _options.Log?.Invoke(level, message);

    /// <summary>
    /// Closes the connection once. A locally detected error is sent to the peer as
    /// SSH_MSG_DISCONNECT (best effort, bounded in time) before the stream is closed.
    /// </summary>
    private async Task AbortAsync(Exception? reason, bool orderly = false)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _closeReason = orderly ? null : reason;
        if (reason is not null && !orderly)
        {
            Log(SshLogLevel.Info, "Connection closed: " + reason.Message);
        }

        var toSend = reason as SshException;
        if (toSend is { FromPeer: false } && toSend.Reason != DisconnectReason.ConnectionLost)
        {
            try
            {
                if (await _writeLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
                {
                    try
                    {
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                        var description = toSend.Reason == DisconnectReason.MacError ? "Corrupted MAC on input" : toSend.Message;
                        await _writer.WritePacketAsync(new DisconnectMessage(toSend.Reason, description).ToPayload(), timeout.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        _writeLock.Release();
                    }
                }
            }
#pragma warning disable CA1031 // Best effort: the peer may already be gone.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        var failure = _closeReason ?? new SshException(DisconnectReason.ByApplication, "Connection closed");
        _firstKex.TrySetException(failure);
        _kexGate.TrySetException(failure);
        Interlocked.Exchange(ref _serviceAccept, null)?.TrySetException(failure);
        _closed.TrySetResult();
    }

    private static TaskCompletionSource NewCompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private readonly Stopwatch _sinceKex = Stopwatch.StartNew();
}
