using System.Collections.Concurrent;
using SshMux.Relay;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Transport;

namespace SshMux.Pool;

/// <summary>
/// The pooled upstream connections. A channel a local client opens on a route goes over a
/// connection to the route's target kept for that route path and local key (<see cref="PoolKey"/>),
/// opened on first use through the route's jump hosts (each pooled the same way) or ProxyCommand.
/// A connection is closed when it has had no channel activity for the idle timeout (channels
/// whose local client is gone do not count), or once drained after its max lifetime (from then
/// on new channels get a new connection); a jump host's connection lives as long as any
/// connection through it. When an upstream refuses a session because of its per-connection
/// limit (sshd MaxSessions), the session goes to another connection to the same route.
/// </summary>
internal sealed class UpstreamPool : IPoolControl, IAsyncDisposable
{
    /// <summary>What the local client is told while the pool is locked.</summary>
    public const string LockedMessage = "ssh-mux is locked: new sessions are refused until `ssh-mux unlock` (sessions already open keep working)";

    private readonly UpstreamConnector _connector;
    private readonly PoolOptions _options;
    private readonly SshLog _log;
    private readonly object _sync = new();
    private readonly Dictionary<PoolKey, List<PooledConnection>> _entries = [];
    private readonly ConcurrentDictionary<PoolKey, SemaphoreSlim> _connectGates = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _reaper;
    private volatile bool _locked;
    private int _connects;

    public UpstreamPool(UpstreamConnector connector, PoolOptions? options, SshLog log)
    {
        _connector = connector;
        _options = options ?? new PoolOptions();
        _log = log;
        _reaper = Task.Run(ReapLoopAsync);
    }

    /// <summary>Upstream connections opened so far (jump hosts included).</summary>
    public int ConnectCount => Volatile.Read(ref _connects);

    public bool IsLocked => _locked;

    public void Lock()
    {
        _locked = true;
        _log(SshLogLevel.Info, "Pool locked: new sessions are refused, open ones keep working");
    }

    public void Unlock()
    {
        _locked = false;
        _log(SshLogLevel.Info, "Pool unlocked");
    }

    public IReadOnlyList<PoolEntryStatus> Snapshot()
    {
        lock (_sync)
        {
            return [.. _entries.Values.SelectMany(l => l).Select(c => new PoolEntryStatus(c.RouteName, c.Upstream, c.Age, c.Idle, c.ChannelCount + c.Dependents, c.BytesIn, c.BytesOut, c.State))];
        }
    }

    /// <summary>
    /// Opens a channel to the route's target for the local client whose key is
    /// <paramref name="localUser"/>. Refusals raise <see cref="ChannelOpenException"/> (the
    /// upstream's, or the lock's); a hop that cannot be reached raises <see cref="SshException"/>.
    /// </summary>
    /// <param name="clientAlive">Whether the local client is still connected; its channels keep the connection from idling out.</param>
    public async Task<PooledChannel> OpenChannelAsync(Route route, string localUser, string channelType, byte[] data, Func<bool> clientAlive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (_locked)
        {
            throw new ChannelOpenException(ChannelOpenFailureReason.AdministrativelyProhibited, LockedMessage);
        }

        var session = channelType == "session";
        for (var attempt = 1; ; attempt++)
        {
            var connection = await AcquireAsync(route, route.Jumps.Count, localUser, session, cancellationToken).ConfigureAwait(false);
            SshChannel channel;
            try
            {
                channel = await connection.Connection.OpenChannelAsync(channelType, data, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelOpenException e) when (session && IsSessionLimit(e))
            {
                var open = connection.Unreserve(session: true);
                if (connection.SessionLimit is null && connection.SessionsInUse == 0)
                {
                    throw; // refused with nothing else open: a refusal, not a full connection
                }

                connection.SessionLimit = Math.Max(1, Math.Min(open, connection.SessionLimit ?? int.MaxValue));
                _log(SshLogLevel.Info, $"{connection.Upstream} refused another session ({e.Description}); it takes {connection.SessionLimit} per connection (sshd MaxSessions): using another connection");
                if (attempt >= _options.MaxConnectionsPerKey)
                {
                    throw;
                }

                continue;
            }
            catch
            {
                connection.Unreserve(session);
                throw;
            }

            return connection.Attach(channel, session, clientAlive);
        }
    }

    /// <summary>
    /// Makes sure the route's upstream connection for <paramref name="localUser"/> exists,
    /// connecting when there is none (prompts go through the broker meanwhile); opens no channel.
    /// </summary>
    public async Task EnsureConnectedAsync(Route route, string localUser, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(route);
        await AcquireAsync(route, route.Jumps.Count, localUser, session: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A refusal that means "this connection is full". sshd refuses a session beyond
    /// MaxSessions (session.c session_new: "no more sessions" in its log) with only the generic
    /// "open failed" of serverloop.c server_input_channel_open, whose reason code is
    /// SSH2_OPEN_CONNECT_FAILED (2) in OpenSSH 9.2 (seen from Debian 12's sshd) and was
    /// ADMINISTRATIVELY_PROHIBITED (1) in older releases; other servers say resource shortage
    /// (4, RFC 4254 section 5.1). Only a session refused while others are open on the same
    /// connection is taken for the limit (see the caller).
    /// </summary>
    private static bool IsSessionLimit(ChannelOpenException e) =>
        e.FailureReason == ChannelOpenFailureReason.ResourceShortage
        || (e.FailureReason is ChannelOpenFailureReason.ConnectFailed or ChannelOpenFailureReason.AdministrativelyProhibited && e.Description == "open failed");

    /// <summary>A usable connection for hop <paramref name="index"/> of the route (a session slot reserved when asked), connecting when there is none.</summary>
    private async Task<PooledConnection> AcquireAsync(Route route, int index, string localUser, bool session, CancellationToken cancellationToken)
    {
        var key = PoolKey.For(route, index, localUser);
        if (Pick(key, session) is { } existing)
        {
            return existing;
        }

        // One connect at a time per key: simultaneous first sessions share the new connection.
        var gate = _connectGates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Pick(key, session) is { } raced)
            {
                return raced;
            }

            var parent = index > 0 ? await AcquireAsync(route, index - 1, localUser, session: false, cancellationToken).ConfigureAwait(false) : null;
            var hop = index < route.Jumps.Count ? route.Jumps[index] : route.Target;

            // The jump connection counts the connection being opened through it from the start:
            // a slow connect (a prompt, a slow target) must not let the reaper take it as idle.
            parent?.AddDependent();
            UpstreamConnection link;
            try
            {
                link = await _connector.ConnectAsync(route.Name, hop, parent?.Connection, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                parent?.RemoveDependent();
                throw;
            }

            var pooled = new PooledConnection(key, route.Name, PoolKey.Display(route, index), link, parent);
            pooled.Released += CloseIfDrained;
            pooled.TryReserve(session);
            lock (_sync)
            {
                if (!_entries.TryGetValue(key, out var list))
                {
                    _entries[key] = list = [];
                }

                list.Add(pooled);
            }

            Interlocked.Increment(ref _connects);
            _ = link.Transport.Completion.ContinueWith(_ => Forget(pooled), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return pooled;
        }
        finally
        {
            gate.Release();
        }
    }

    private PooledConnection? Pick(PoolKey key, bool session)
    {
        lock (_sync)
        {
            if (_entries.TryGetValue(key, out var list))
            {
                foreach (var connection in list)
                {
                    if (!Expired(connection) && connection.TryReserve(session))
                    {
                        // Picked is in use: the reaper must not close it before the caller's channel (or dependent) is attached.
                        connection.Touch();
                        return connection;
                    }
                }
            }
        }

        return null;
    }

    private bool Expired(PooledConnection connection)
    {
        if (!connection.Draining && _options.MaxLifetime > TimeSpan.Zero && connection.Age >= _options.MaxLifetime)
        {
            connection.Draining = true;
            _log(SshLogLevel.Info, $"{connection.Upstream} reached its max lifetime ({_options.MaxLifetime.TotalSeconds:0} s): new channels go to a new connection; it closes once drained");
        }

        return connection.Draining;
    }

    /// <summary>Takes a closed connection out of the pool and releases its jump host.</summary>
    private void Forget(PooledConnection connection)
    {
        bool removed;
        lock (_sync)
        {
            removed = _entries.TryGetValue(connection.Key, out var list) && list.Remove(connection);
            if (list is { Count: 0 })
            {
                _entries.Remove(connection.Key);
            }
        }

        if (removed)
        {
            var why = connection.Link.Transport.CloseReason?.Message ?? "closed";
            _log(SshLogLevel.Info, $"Upstream {connection.Upstream} left the pool: {why}");
            connection.Parent?.RemoveDependent();
            if (connection.Parent is { } parent)
            {
                CloseIfDrained(parent);
            }
        }
    }

    private void CloseIfDrained(PooledConnection connection)
    {
        if (Expired(connection) && connection.ChannelCount == 0 && connection.Dependents == 0)
        {
            Close(connection, "drained after its max lifetime");
        }
    }

    private void Close(PooledConnection connection, string why)
    {
        _log(SshLogLevel.Info, $"Closing upstream {connection.Upstream}: {why}");
        SshTransport.RunDetached(async () =>
        {
            await connection.Link.Transport.DisconnectAsync(DisconnectReason.ByApplication, "ssh-mux: " + why).ConfigureAwait(false);
            await connection.Link.DisposeAsync().ConfigureAwait(false);
        });
    }

    /// <summary>One pass of the reaper: dead, expired and drained, and idle connections.</summary>
    public void Reap()
    {
        List<PooledConnection> all;
        lock (_sync)
        {
            all = [.. _entries.Values.SelectMany(l => l)];
        }

        foreach (var connection in all)
        {
            if (!connection.IsAlive)
            {
                Forget(connection);
                continue;
            }

            connection.TouchIfClientsAttached();
            if (Expired(connection) && connection.ChannelCount == 0 && connection.Dependents == 0)
            {
                Close(connection, "drained after its max lifetime");
            }
            else if (connection.Dependents == 0 && connection.Idle >= _options.IdleTimeout)
            {
                var zombies = connection.ChannelCount;
                Close(connection, $"no channel activity for {_options.IdleTimeout.TotalSeconds:0} s" + (zombies > 0 ? $" ({zombies} channel(s) left without a client)" : string.Empty));
            }
        }
    }

    private async Task ReapLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.EffectiveReapInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                Reap();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _reaper.ConfigureAwait(false);
        List<PooledConnection> all;
        lock (_sync)
        {
            all = [.. _entries.Values.SelectMany(l => l)];
        }

        // Tunnelled connections first, then the jump hosts they went through.
        foreach (var connection in all.OrderByDescending(Depth))
        {
            await connection.Link.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        foreach (var gate in _connectGates.Values)
        {
            gate.Dispose();
        }
    }

    private static int Depth(PooledConnection connection)
    {
        var depth = 0;
        for (var c = connection.Parent; c is not null; c = c.Parent)
        {
            depth++;
        }

        return depth;
    }
}
