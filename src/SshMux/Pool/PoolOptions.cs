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
    /// The reaper's actual period: <see cref="ReapInterval"/>, but at most a quarter of a short
    /// idle timeout or maximum lifetime (not below 250 ms), so `--timeout 2` closes an idle
    /// connection after about 2 s rather than at the next 30 s tick.
    /// </summary>
    public TimeSpan EffectiveReapInterval
    {
        get
        {
            var interval = ReapInterval;
            foreach (var lifetime in new[] { IdleTimeout, MaxLifetime })
            {
                var quarter = lifetime / 4 < MinimumDerivedReapInterval ? MinimumDerivedReapInterval : lifetime / 4;
                if (lifetime > TimeSpan.Zero && quarter < interval)
                {
                    interval = quarter;
                }
            }

            return interval;
        }
    }

    private static TimeSpan MinimumDerivedReapInterval => TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Connections opened to one route for one local key when upstreams refuse more sessions per
    /// connection (sshd MaxSessions); a bound so a server that refuses every session is not
    /// answered with a connection storm.
    /// </summary>
    public int MaxConnectionsPerKey { get; init; } = 32;
}
