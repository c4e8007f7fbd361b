using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace SshMux.Ssh.Auth;

/// <summary>
/// Makes refusals take a minimum time that depends only on the user name, as sshd does
/// (auth2.c user_specific_delay and ensure_minimum_time_since): a refusal for an unknown
/// user then takes as long as one for a known user, whatever work the check did. The
/// per-user part comes from an HMAC under a key made at start-up, so it is stable for a
/// name (averaging many attempts learns nothing) but unpredictable across names.
/// </summary>
internal static class FailureTiming
{
    private static readonly byte[] s_key = RandomNumberGenerator.GetBytes(32);

    /// <summary>Between <paramref name="delay"/> and twice that, fixed per user name.</summary>
    public static TimeSpan MinimumFor(TimeSpan delay, string user)
    {
        if (delay <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(s_key, Encoding.UTF8.GetBytes(user), mac);
        var fraction = BinaryPrimitives.ReadUInt32BigEndian(mac) / (double)uint.MaxValue;
        return delay + (delay * fraction);
    }

    /// <summary>
    /// Waits until the user's minimum has passed since <paramref name="started"/> (a
    /// <see cref="Stopwatch"/> timestamp). A check that already took longer doubles the
    /// target until it lies ahead, so its own duration is not what the client sees.
    /// </summary>
    public static async ValueTask WaitAsync(TimeSpan delay, string user, long started, CancellationToken cancellationToken)
    {
        var minimum = MinimumFor(delay, user);
        if (minimum == TimeSpan.Zero)
        {
            return;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        while (minimum <= elapsed)
        {
            minimum *= 2;
        }

        await Task.Delay(minimum - elapsed, cancellationToken).ConfigureAwait(false);
    }
}
