using System.Net.Sockets;
using SshMux.Prompts;
using SshMux.Reach;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Algorithms;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Transport;
using SshMux.Trust;

namespace SshMux.Relay;

/// <summary>Where and as whom the upstream connection of direct mode (`serve --remote`) goes.</summary>
internal sealed record UpstreamTarget(string Host, int Port, string User, IReadOnlyList<string> IdentityFiles)
{
    public RouteHop Hop => new(Host, Port, User, IdentityFiles, HostKeyPolicy: HostKeyPolicy.Strict);
}

/// <summary>An authenticated upstream connection ready for channels; disposing it ends the transport, its keepalive and its ProxyCommand.</summary>
internal sealed class UpstreamConnection(SshTransport transport, SshConnectionService connection, SshKeepalive? keepalive) : IAsyncDisposable
{
    public SshTransport Transport { get; } = transport;

    public SshConnectionService Connection { get; } = connection;

    public bool IsAlive => !Transport.IsClosed;

    public async ValueTask DisposeAsync()
    {
        keepalive?.Dispose();
        await Transport.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Settings of upstream connections.</summary>
internal sealed record UpstreamSettings
{
    public KeepaliveSettings Keepalive { get; init; } = KeepaliveSettings.Default;

    /// <summary>From the start of the TCP connect (or ProxyCommand) until authentication has succeeded, not counting time spent waiting for a person's answer.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The broker's prompt timeout: time spent waiting for a person is not counted against <see cref="ConnectTimeout"/>.</summary>
    public TimeSpan PromptTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>~/.ssh/id_* files tried when a hop names no IdentityFile.</summary>
    public IReadOnlyList<string> DefaultIdentityFiles { get; init; } = [];

    public PlatformShell Shell { get; init; } = PlatformShell.Current;
}

/// <summary>
/// Opens one upstream hop: the stream (TCP, a ProxyCommand, or a direct-tcpip channel through
/// the previous hop's connection), key exchange with the host key checked by
/// <see cref="IHostKeyTrust"/>, then authentication: publickey with the hop's identities, and
/// keyboard-interactive rounds answered through the prompt broker. A keepalive watches the
/// connection from then on.
/// </summary>
internal sealed class UpstreamConnector
{
    private readonly IHostKeyTrust _trust;
    private readonly IPromptBroker? _broker;
    private readonly SshLog _log;
    private readonly UpstreamSettings _settings;
    private readonly UpstreamIdentities _identities;
    private readonly UpstreamTarget? _target;

    public UpstreamConnector(IHostKeyTrust trust, IPromptBroker? broker, SshLog log, UpstreamSettings? settings = null)
    {
        _trust = trust;
        _broker = broker;
        _log = log;
        _settings = settings ?? new UpstreamSettings();
        _identities = new UpstreamIdentities(_settings.DefaultIdentityFiles, broker, log);
    }

    /// <summary>A connector for one fixed target, without keepalive or prompts (the upstream-client tests use it).</summary>
    public UpstreamConnector(UpstreamTarget target, IHostKeyTrust trust, SshLog log)
        : this(trust, null, log, new UpstreamSettings { Keepalive = KeepaliveSettings.Disabled }) => _target = target;

    public Task<UpstreamConnection> ConnectAsync(CancellationToken cancellationToken) =>
        ConnectAsync(_target!.User, _target.Hop, null, cancellationToken);

    /// <summary>Connects and authenticates to <paramref name="hop"/>, through <paramref name="via"/> when it is behind a jump host.</summary>
    public async Task<UpstreamConnection> ConnectAsync(string routeName, RouteHop hop, SshConnectionService? via, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hop);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.ConnectTimeout);
        Stream? stream = null;
        SshTransport? transport = null;
        List<ISshIdentity> identities = [];
        HostKeyCheck? hostKeyCheck = null;
        try
        {
            // Inside the try: a TCP connect or jump channel that never completes is a timeout too.
            stream = await OpenStreamAsync(hop, via, timeout.Token).ConfigureAwait(false);
            var options = new SshClientOptions
            {
                Log = _log,
                HostKeyVerifier = async (v, ct) => await Unhurried(timeout, () => _trust.VerifyAsync(hostKeyCheck = new HostKeyCheck(routeName, hop, v), ct).AsTask()).ConfigureAwait(false),

                Ciphers = UpstreamCiphers,

                // Key exchange includes the host key question, which the person may take the
                // whole prompt timeout to answer.
                HandshakeTimeout = _settings.ConnectTimeout + _settings.PromptTimeout,
            };
            if (_trust.PreferredHostKeyAlgorithms(hop) is { Count: > 0 } preferred)
            {
                options.HostKeyAlgorithms = preferred;
            }

            transport = await SshTransport.ConnectAsync(stream, options, timeout.Token).ConfigureAwait(false);
            var router = new SshServiceRouter(transport);

            // The connection layer must be in place before authentication succeeds: sshd sends
            // a global request (hostkeys-00@openssh.com) right after its USERAUTH_SUCCESS.
            var connection = new SshConnectionService(router);
            identities = await Unhurried(timeout, () => _identities.LoadAsync(routeName, hop, timeout.Token)).ConfigureAwait(false);
            var auth = new ClientAuthOptions { Identities = identities, Log = _log, KeyboardInteractiveCallback = KeyboardInteractive(routeName, hop, timeout) };
            await SshClientAuthentication.AuthenticateAsync(router, hop.User, auth, timeout.Token).ConfigureAwait(false);
            _log(SshLogLevel.Info, $"Upstream {hop.Display} connected and authenticated{(via is null ? string.Empty : " (through a jump host)")}");
            var keepalive = SshKeepalive.Start(connection, _settings.Keepalive, "server " + hop.Display);
            return new UpstreamConnection(transport, connection, keepalive);
        }
        catch (Exception e)
        {
            if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }

            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            if (e is ProxyCommandException || e.InnerException is ProxyCommandException)
            {
                throw new SshException(DisconnectReason.ConnectionLost, (e as ProxyCommandException ?? e.InnerException!).Message, e);
            }

            // The transport only knows the key was refused; the trust said why (unknown and
            // declined, changed, revoked...), and the person at the client needs that.
            if (e is SshException { Reason: DisconnectReason.HostKeyNotVerifiable } && hostKeyCheck?.Refusal is { } refusal)
            {
                throw new SshException(DisconnectReason.HostKeyNotVerifiable, refusal, e);
            }

            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new SshException(DisconnectReason.ConnectionLost, $"Timed out after {_settings.ConnectTimeout.TotalSeconds:0} s connecting to {hop.Display}", e);
            }

            if (e is IOException)
            {
                throw new SshException(DisconnectReason.ConnectionLost, $"Connection to {hop.Display} failed: {e.Message}", e);
            }

            throw;
        }
        finally
        {
            foreach (var identity in identities.OfType<IDisposable>())
            {
                identity.Dispose();
            }
        }
    }

    /// <summary>The hop's byte stream: a direct-tcpip channel through the jump host, a ProxyCommand, or TCP.</summary>
    private async Task<Stream> OpenStreamAsync(RouteHop hop, SshConnectionService? via, CancellationToken cancellationToken)
    {
        if (hop.ProxyCommand is { } command)
        {
            try
            {
                return ProxyCommandStream.Start(command, _settings.Shell);
            }
            catch (ProxyCommandException e)
            {
                throw new SshException(DisconnectReason.ConnectionLost, e.Message, e);
            }
        }

        if (via is not null)
        {
            // RFC 4254 section 7.2: host and port to connect, originator address and port.
            var data = SessionRequests.EncodeTcpip(hop.Host, (uint)hop.Port, "127.0.0.1", 0);
            try
            {
                return new ChannelStream(await via.OpenChannelAsync("direct-tcpip", data, cancellationToken).ConfigureAwait(false));
            }
            catch (ChannelOpenException e)
            {
                throw new SshException(DisconnectReason.ConnectionLost, $"The jump host could not connect to {hop.Host} port {hop.Port}: {e.Description} ({e.FailureReason})", e);
            }
        }

        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(hop.Host, hop.Port, cancellationToken).ConfigureAwait(false);
            return tcp.GetStream();
        }
        catch (SocketException e)
        {
            tcp.Dispose();
            throw new SshException(DisconnectReason.ConnectionLost, $"Cannot connect to {hop.Host} port {hop.Port}: {e.Message}", e);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Each keyboard-interactive round goes to the person through the broker; none means the method is not used.</summary>
    /// <summary>
    /// The upstream leg carries every session's bulk data. OpenSSH puts chacha20-poly1305 first
    /// because it is fast without AES instructions; with them (AES-NI, ARMv8 AES) AES-GCM from
    /// the platform is the faster AEAD, so ssh-mux's client asks for it first there. The same
    /// set of algorithms is offered either way: only the order changes.
    /// </summary>
    internal static IReadOnlyList<string> UpstreamCiphers { get; } =
        System.Runtime.Intrinsics.X86.Aes.IsSupported || System.Runtime.Intrinsics.Arm.Aes.IsSupported
            ? [.. AlgorithmRegistry.DefaultCiphers.Where(c => c.Contains("-gcm@", StringComparison.Ordinal)), .. AlgorithmRegistry.DefaultCiphers.Where(c => !c.Contains("-gcm@", StringComparison.Ordinal))]
            : AlgorithmRegistry.DefaultCiphers;

    /// <summary>
    /// Runs a step that may wait for a person (a prompt through the broker) with the connect
    /// deadline stopped, then gives the rest of the connect a fresh deadline: the broker's own
    /// prompt timeout bounds the wait, and an OTP typed in the 59th second must not fail the
    /// login for want of time afterwards.
    /// </summary>
    private async Task<T> Unhurried<T>(CancellationTokenSource deadline, Func<Task<T>> step)
    {
        deadline.CancelAfter(Timeout.InfiniteTimeSpan);
        try
        {
            return await step().ConfigureAwait(false);
        }
        finally
        {
            deadline.CancelAfter(_settings.ConnectTimeout);
        }
    }

    private Func<KeyboardInteractiveRound, CancellationToken, ValueTask<IReadOnlyList<byte[]>?>>? KeyboardInteractive(string routeName, RouteHop hop, CancellationTokenSource deadline)
    {
        if (_broker is not { } broker)
        {
            return null;
        }

        return async (round, ct) =>
        {
            var fields = round.Prompts.Select(p => new PromptField(p.Text, p.Echo)).ToList();
            return await Unhurried(deadline, () => broker.AskAsync(new PromptRequest(PromptKind.KeyboardInteractive, routeName, hop.Display, round.Name, round.Instruction, fields), ct)).ConfigureAwait(false);
        };
    }
}
