namespace SshMux.Pool;

/// <summary>The pool's lifetimes (the seed's --timeout and --max-lifetime, and its 30 s reaper).</summary>
internal sealed record PoolOptions
{
    /// <summary>A connection with no channel activity for this long is closed, zombie channels or not.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Past this age a connection takes no new channels and closes once drained; zero is unlimited.</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromSeconds(43200);

    /// <summary>How often idle, expired and dead connections are looked for.</summary>
    public TimeSpan ReapInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Connections opened to one route for one local key when upstreams refuse more sessions per
    /// connection (sshd MaxSessions); a bound so a server that refuses every session is not
    /// answered with a connection storm.
    /// </summary>
    public int MaxConnectionsPerKey { get; init; } = 32;
}
