using System.Diagnostics;
using SshMux.Relay;
using SshMux.Ssh.Connection;

namespace SshMux.Pool;

/// <summary>One channel borrowed from a pooled connection; disposing it gives the slot back.</summary>
internal sealed class PooledChannel : IChannelMeter, IDisposable
{
    private readonly PooledConnection _owner;
    private readonly bool _session;
    private int _released;

    internal PooledChannel(PooledConnection owner, SshChannel channel, bool session, Func<bool> clientAlive)
    {
        _owner = owner;
        Channel = channel;
        _session = session;
        ClientAlive = clientAlive;
    }

    public SshChannel Channel { get; }

    public PooledConnection Connection => _owner;

    /// <summary>Whether the local client of this channel is still connected (a channel without one is a zombie).</summary>
    public Func<bool> ClientAlive { get; }

    public void Down(int bytes) => _owner.CountIn(bytes);

    public void Up(int bytes) => _owner.CountOut(bytes);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _owner.Release(this, _session);
        }
    }
}

/// <summary>
/// One upstream connection in the pool with its bookkeeping: channels and sessions on it, the
/// last channel activity, bytes each way, and the connections that tunnel through it.
/// </summary>
internal sealed class PooledConnection
{
    private readonly object _sync = new();
    private readonly HashSet<PooledChannel> _channels = [];
    private readonly long _created = Stopwatch.GetTimestamp();
    private long _lastActivity = Stopwatch.GetTimestamp();
    private long _bytesIn;
    private long _bytesOut;
    private int _sessions;
    private int _reservedSessions;
    private int _dependents;

    public PooledConnection(PoolKey key, string routeName, string upstream, UpstreamConnection upstreamConnection, PooledConnection? parent)
    {
        Key = key;
        RouteName = routeName;
        Upstream = upstream;
        Link = upstreamConnection;
        Parent = parent;
    }

    public PoolKey Key { get; }

    public string RouteName { get; }

    /// <summary>The path for status ("jump -> target").</summary>
    public string Upstream { get; }

    internal UpstreamConnection Link { get; }

    public SshConnectionService Connection => Link.Connection;

    /// <summary>The jump host's connection this one tunnels through, or null.</summary>
    public PooledConnection? Parent { get; }

    public bool IsAlive => Link.IsAlive;

    /// <summary>Set once the connection is past its max lifetime (or otherwise retired): it takes no new channels.</summary>
    public bool Draining { get; set; }

    /// <summary>
    /// Sessions this upstream accepts at once, learned when it refused one (sshd MaxSessions);
    /// null while unknown.
    /// </summary>
    public int? SessionLimit { get; set; }

    public TimeSpan Age => Stopwatch.GetElapsedTime(_created);

    public TimeSpan Idle => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity));

    public long BytesIn => Interlocked.Read(ref _bytesIn);

    public long BytesOut => Interlocked.Read(ref _bytesOut);

    public int Dependents => Volatile.Read(ref _dependents);

    /// <summary>Sessions open or being opened (whose confirmations may not have been counted yet).</summary>
    public int SessionsInUse
    {
        get
        {
            lock (_sync)
            {
                return _sessions + _reservedSessions;
            }
        }
    }

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

    /// <summary>Holds a session slot before the open is sent, so simultaneous opens do not overshoot a known limit.</summary>
    public bool TryReserve(bool session)
    {
        lock (_sync)
        {
            if (!IsAlive || Draining)
            {
                return false;
            }

            if (session)
            {
                if (SessionLimit is { } limit && _sessions + _reservedSessions >= limit)
                {
                    return false;
                }

                _reservedSessions++;
            }

            return true;
        }
    }

    /// <summary>Gives back a reservation whose open failed; returns the sessions open then (for learning the limit).</summary>
    public int Unreserve(bool session)
    {
        lock (_sync)
        {
            if (session)
            {
                _reservedSessions--;
            }

            return _sessions;
        }
    }

    public PooledChannel Attach(SshChannel channel, bool session, Func<bool> clientAlive)
    {
        var lease = new PooledChannel(this, channel, session, clientAlive);
        lock (_sync)
        {
            if (session)
            {
                _reservedSessions--;
                _sessions++;

                // A limit learned while other opens were still in flight may be too low: the upstream says otherwise.
                if (SessionLimit is { } limit && _sessions > limit)
                {
                    SessionLimit = _sessions;
                }
            }

            _channels.Add(lease);
        }

        Touch();
        return lease;
    }

    internal void Release(PooledChannel lease, bool session)
    {
        lock (_sync)
        {
            if (_channels.Remove(lease) && session)
            {
                _sessions--;
            }
        }

        Touch();
        Released?.Invoke(this);
    }

    /// <summary>Raised when a channel is given back (the pool closes a drained, expired connection at once).</summary>
    public event Action<PooledConnection>? Released;

    public void AddDependent() => Interlocked.Increment(ref _dependents);

    public void RemoveDependent()
    {
        Interlocked.Decrement(ref _dependents);
        Touch();
    }

    /// <summary>
    /// Counts a channel whose local client is still connected as activity: only channels left
    /// behind by clients that went away (zombies) let the idle timeout run.
    /// </summary>
    public void TouchIfClientsAttached()
    {
        lock (_sync)
        {
            if (_channels.Any(c => c.ClientAlive()))
            {
                Touch();
            }
        }
    }

    public void Touch() => Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());

    public void CountIn(int bytes)
    {
        Interlocked.Add(ref _bytesIn, bytes);
        Touch();
    }

    public void CountOut(int bytes)
    {
        Interlocked.Add(ref _bytesOut, bytes);
        Touch();
    }

    /// <summary>"active", "idle", "draining" or "dead", as status shows it.</summary>
    public string State => !IsAlive ? "dead" : Draining ? "draining" : ChannelCount > 0 || Dependents > 0 ? "active" : "idle";
}
