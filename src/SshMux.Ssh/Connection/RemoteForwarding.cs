using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Connection;

/// <summary>What a forwarded-tcpip open says (RFC 4254 section 7.2): the forward it belongs to and who connected.</summary>
public sealed record ForwardedTcpipInfo(string ConnectedAddress, uint ConnectedPort, string OriginatorAddress, uint OriginatorPort);

/// <summary>A server-side listener the peer opened for us with tcpip-forward; dispose or cancel to close it.</summary>
public sealed class RemoteForward : IAsyncDisposable
{
    private readonly RemoteForwarding _owner;
    private int _cancelled;

    internal RemoteForward(RemoteForwarding owner, string address, uint boundPort, Func<SshChannel, ForwardedTcpipInfo, Task> onConnection)
    {
        _owner = owner;
        Address = address;
        BoundPort = boundPort;
        OnConnection = onConnection;
    }

    /// <summary>The address to bind as requested ("" all, "localhost", "127.0.0.1", ...).</summary>
    public string Address { get; }

    /// <summary>The port the server listens on (the one it chose when 0 was requested).</summary>
    public uint BoundPort { get; }

    internal Func<SshChannel, ForwardedTcpipInfo, Task> OnConnection { get; }

    /// <summary>Sends cancel-tcpip-forward (RFC 4254 section 7.1); a refusal raises <see cref="SshException"/>.</summary>
    public Task CancelAsync(CancellationToken cancellationToken = default) =>
        Interlocked.Exchange(ref _cancelled, 1) == 0 ? _owner.CancelAsync(this, cancellationToken) : Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CancelAsync().ConfigureAwait(false);
        }
        catch (SshException)
        {
            // The connection is gone, and the server's listener with it.
        }
    }
}

/// <summary>
/// Remote (server-side) port forwarding for a client, as `ssh -R` does it (RFC 4254 section
/// 7.1): tcpip-forward global requests, and the forwarded-tcpip channels the server opens for
/// every connection to a forwarded port, handed to the forward's handler. Other channel opens
/// go to the handler the connection had before.
/// </summary>
public sealed class RemoteForwarding
{
    public const string TcpipForward = "tcpip-forward";
    public const string CancelTcpipForward = "cancel-tcpip-forward";
    public const string ForwardedTcpip = "forwarded-tcpip";

    private readonly SshConnectionService _connection;
    private readonly Func<IncomingChannelOpen, CancellationToken, Task<ChannelOpenDecision>>? _other;
    private readonly object _sync = new();
    private readonly List<RemoteForward> _forwards = [];
    private readonly List<Task> _requesting = [];

    /// <summary>Takes over the connection's <see cref="SshConnectionService.ChannelOpenHandler"/>, keeping the existing one for other channel types.</summary>
    public RemoteForwarding(SshConnectionService connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _other = connection.ChannelOpenHandler;
        connection.ChannelOpenHandler = OnChannelOpenAsync;
    }

    /// <summary>
    /// Asks the server to listen on <paramref name="address"/>:<paramref name="port"/> (0: a
    /// port of its choice) and to send each connection to <paramref name="onConnection"/> as a
    /// forwarded-tcpip channel, which the handler owns (reads, writes, closes).
    /// </summary>
    public async Task<RemoteForward> RequestAsync(string address, uint port, Func<SshChannel, ForwardedTcpipInfo, Task> onConnection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(onConnection);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535u);
        // Done once this request is settled (forward registered, or refused).
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            _requesting.Add(settled.Task);
        }

        try
        {
            var (success, data) = await _connection.SendGlobalRequestAsync(TcpipForward, true, Encode(address, port), cancellationToken).ConfigureAwait(false);
            if (!success)
            {
                throw new SshException(DisconnectReason.ByApplication,
                    $"The server refused to forward {Describe(address, port)} (tcpip-forward failed: remote forwarding is disabled there, e.g. sshd's AllowTcpForwarding, or the port is taken)");
            }

            var bound = port;
            if (port == 0)
            {
                // RFC 4254 section 7.1: for port 0 the reply carries the port the server chose.
                var r = new SshReader(data);
                bound = r.ReadUInt32("bound port");
                if (bound is 0 or > 65535)
                {
                    throw new SshException(DisconnectReason.ProtocolError, $"The server bound port {bound} for {Describe(address, port)}");
                }
            }

            var forward = new RemoteForward(this, address, bound, onConnection);
            lock (_sync)
            {
                _forwards.Add(forward);
            }

            return forward;
        }
        finally
        {
            lock (_sync)
            {
                _requesting.Remove(settled.Task);
            }

            settled.TrySetResult();
        }
    }

    internal async Task CancelAsync(RemoteForward forward, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            _forwards.Remove(forward);
        }

        var (success, _) = await _connection.SendGlobalRequestAsync(CancelTcpipForward, true, Encode(forward.Address, forward.BoundPort), cancellationToken).ConfigureAwait(false);
        if (!success)
        {
            throw new SshException(DisconnectReason.ByApplication, $"The server refused to cancel the forward of {Describe(forward.Address, forward.BoundPort)}");
        }
    }

    private async Task<ChannelOpenDecision> OnChannelOpenAsync(IncomingChannelOpen open, CancellationToken cancellationToken)
    {
        if (open.ChannelType != ForwardedTcpip)
        {
            return _other is null
                ? ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, $"{open.ChannelType} channels are not accepted")
                : await _other(open, cancellationToken).ConfigureAwait(false);
        }

        var (address, port, originator, originatorPort) = SessionRequests.DecodeTcpip(open.Data);
        var info = new ForwardedTcpipInfo(address, port, originator, originatorPort);

        // A connection may be opened right behind the reply to tcpip-forward, before the
        // requester has seen that reply and registered the forward: wait for those first.
        var forward = Find(info, out var requesting);
        if (forward is null && requesting.Length > 0)
        {
            await Task.WhenAll(requesting).WaitAsync(cancellationToken).ConfigureAwait(false);
            forward = Find(info, out _);
        }

        if (forward is null)
        {
            return ChannelOpenDecision.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, $"no forward was requested for {Describe(address, port)}");
        }

        return ChannelOpenDecision.Accept(channel => forward.OnConnection(channel, info));
    }

    private RemoteForward? Find(ForwardedTcpipInfo info, out Task[] requesting)
    {
        lock (_sync)
        {
            requesting = [.. _requesting];

            // OpenSSH reports the address as requested; a forward on port 0 is named by its bound port.
            return _forwards.FirstOrDefault(f => f.BoundPort == info.ConnectedPort && f.Address == info.ConnectedAddress)
                ?? _forwards.FirstOrDefault(f => f.BoundPort == info.ConnectedPort);
        }
    }

    private static byte[] Encode(string address, uint port)
    {
        using var w = new SshWriter();
        w.WriteString(address).WriteUInt32(port);
        return w.ToArray();
    }

    private static string Describe(string address, uint port) => $"{(address.Length == 0 ? "*" : address)}:{port}";
}
