using System.Globalization;
using System.Security.Cryptography;

namespace SshMux.Relay;

/// <summary>
/// A limit on connections that have not authenticated yet, as sshd's MaxStartups
/// start:rate:full (sshd_config(5), default 10:30:100): below start every connection is
/// served; from start on a new one is refused with a probability that begins at rate percent
/// and rises linearly to 100 percent at full ("random early drop"), so a flood cannot hold
/// every slot while legitimate clients still usually get in; at full every new one is refused.
/// A connection holds its slot until it authenticates or ends.
/// </summary>
internal sealed class StartupLimiter
{
    private readonly Func<int, int> _random;
    private int _unauthenticated;
    private long _dropped;

    /// <param name="random">Returns a number in [0, n); tests pass a fixed sequence.</param>
    public StartupLimiter(int start = 10, int rate = 30, int full = 100, Func<int, int>? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(start, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(full, start);
        Start = start;
        Rate = rate;
        Full = full;
        _random = random ?? RandomNumberGenerator.GetInt32;
    }

    public int Start { get; }

    public int Rate { get; }

    public int Full { get; }

    /// <summary>Connections holding a slot now.</summary>
    public int Unauthenticated => Volatile.Read(ref _unauthenticated);

    /// <summary>Connections refused so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Parses sshd's syntax: "start" alone (refuse all beyond it) or "start:rate:full".</summary>
    public static StartupLimiter Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split(':');
        if (parts.Length is not (1 or 3) || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException($"MaxStartups must be START or START:RATE:FULL with whole numbers, not \"{value}\"");
        }

        var numbers = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (numbers.Length == 1)
        {
            return numbers[0] >= 1 ? new StartupLimiter(numbers[0], 100, numbers[0]) : throw new FormatException("MaxStartups must be at least 1");
        }

        if (numbers[0] < 1 || numbers[1] > 100 || numbers[2] < numbers[0])
        {
            throw new FormatException($"MaxStartups \"{value}\" needs 1 <= START <= FULL and RATE <= 100");
        }

        return new StartupLimiter(numbers[0], numbers[1], numbers[2]);
    }

    /// <summary>
    /// Takes a slot for a new connection, or returns null (and why in <paramref name="refusal"/>)
    /// when the connection is to be dropped. Dispose the slot when the connection
    /// authenticates or ends; disposing twice is harmless.
    /// </summary>
    public Slot? TryEnter(out string refusal)
    {
        while (true)
        {
            var current = Volatile.Read(ref _unauthenticated);
            if (Drop(current))
            {
                Interlocked.Increment(ref _dropped);
                refusal = $"{current} connections are not authenticated yet (MaxStartups {Start}:{Rate}:{Full})";
                return null;
            }

            if (Interlocked.CompareExchange(ref _unauthenticated, current + 1, current) == current)
            {
                refusal = string.Empty;
                return new Slot(this);
            }
        }
    }

    /// <summary>sshd.c drop_connection: the probability grows from rate% at start to 100% at full.</summary>
    private bool Drop(int startups)
    {
        if (startups >= Full)
        {
            return true;
        }

        if (startups < Start)
        {
            return false;
        }

        var percent = Rate + ((100 - Rate) * (startups - Start) / (Full - Start));
        return _random(100) < percent;
    }

    private void Leave() => Interlocked.Decrement(ref _unauthenticated);

    /// <summary>One connection's place among the unauthenticated.</summary>
    internal sealed class Slot(StartupLimiter owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Leave();
            }
        }
    }
}
