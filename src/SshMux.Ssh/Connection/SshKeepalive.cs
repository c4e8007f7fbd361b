using System.Globalization;
using SshMux.Ssh.Transport;

namespace SshMux.Ssh.Connection;

/// <summary>How often a quiet peer is probed and how many unanswered probes end the connection.</summary>
/// <param name="Interval">ssh_config ServerAliveInterval / sshd_config ClientAliveInterval; zero or less disables.</param>
/// <param name="CountMax">ServerAliveCountMax / ClientAliveCountMax: probes left unanswered before the connection is closed.</param>
public sealed record KeepaliveSettings(TimeSpan Interval, int CountMax)
{
    /// <summary>ssh-mux's defaults (the seed's): every 15 s, closed after 3 unanswered probes.</summary>
    public static KeepaliveSettings Default { get; } = new(TimeSpan.FromSeconds(15), 3);

    public static KeepaliveSettings Disabled { get; } = new(TimeSpan.Zero, 0);

    public bool Enabled => Interval > TimeSpan.Zero;
}

/// <summary>
/// Keepalive in either role, as OpenSSH does it (clientloop.c server_alive_check, serverloop.c
/// client_alive_check): when nothing has arrived from the peer for an interval, send a
/// keepalive@openssh.com global request with want-reply. Any reply counts, failure included
/// (OpenSSH answers requests it does not know with SSH_MSG_REQUEST_FAILURE, RFC 4254 section
/// 4), and so does any other message from the peer. After <see cref="KeepaliveSettings.CountMax"/>
/// probes in a row went unanswered the connection is closed with a reason that says so, which
/// is how a frozen peer (a dead NAT mapping, a suspended host) is told from a quiet one.
/// </summary>
public sealed class SshKeepalive : IDisposable
{
    private const string RequestName = "keepalive@openssh.com";

    private readonly SshConnectionService _connection;
    private readonly KeepaliveSettings _settings;
    private readonly string _peer;
    private readonly CancellationTokenSource _stop = new();

    private SshKeepalive(SshConnectionService connection, KeepaliveSettings settings, string peer)
    {
        _connection = connection;
        _settings = settings;
        _peer = peer;
    }

    /// <summary>Probes made so far (for tests and status).</summary>
    public int ProbesSent => Volatile.Read(ref _probes);

    private int _probes;

    /// <summary>Starts probing; stops by itself when the connection closes. Null when disabled.</summary>
    /// <param name="peer">How the peer is named in the close reason, e.g. "server user@host:22".</param>
    public static SshKeepalive? Start(SshConnectionService connection, KeepaliveSettings settings, string peer)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Enabled)
        {
            return null;
        }

        var keepalive = new SshKeepalive(connection, settings, peer);
        SshTransport.RunDetached(keepalive.RunAsync);
        return keepalive;
    }

    private async Task RunAsync()
    {
        var transport = _connection.Transport;
        using var timer = new PeriodicTimer(_settings.Interval);
        var lastTick = Environment.TickCount64;
        var missed = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false) && !transport.IsClosed)
            {
                var now = Environment.TickCount64;
                var heard = _connection.LastReceivedTicks >= lastTick;
                lastTick = now;
                if (heard)
                {
                    missed = 0;
                    continue;
                }

                if (missed >= _settings.CountMax)
                {
                    var seconds = _settings.Interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                    await transport.CloseAsync(new SshException(DisconnectReason.ConnectionLost,
                        $"Timeout, {_peer} not responding: {missed} keepalive(s) sent {seconds} s apart went unanswered")).ConfigureAwait(false);
                    return;
                }

                missed++;
                Interlocked.Increment(ref _probes);
                Probe();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends one probe without waiting: its reply shows up as received traffic.</summary>
    private void Probe() => SshTransport.RunDetached(async () =>
    {
        try
        {
            await _connection.SendGlobalRequestAsync(RequestName, wantReply: true, ReadOnlyMemory<byte>.Empty, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection closed meanwhile, or we were stopped: nothing to probe any more.
        }
    });

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
