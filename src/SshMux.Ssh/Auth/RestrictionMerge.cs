using SshMux.Ssh.OpenSsh;

namespace SshMux.Ssh.Auth;

/// <summary>
/// Combines the restrictions of keys that each counted towards one authentication (partial
/// success, then success), as sshd's auth_activate_options merges them with sshauthopt_merge:
/// a permission holds only if every key grants it, a restriction holds if any key sets it, and
/// forced commands (or tunnel devices) that disagree refuse the later key.
/// </summary>
internal static class RestrictionMerge
{
    /// <summary>The combination, or null with <paramref name="conflict"/> set when the two cannot both hold.</summary>
    public static AuthorizedKeyRestrictions? Combine(AuthorizedKeyRestrictions? earlier, AuthorizedKeyRestrictions? later, out string? conflict)
    {
        conflict = null;
        if (earlier is null || later is null)
        {
            return earlier ?? later;
        }

        if (earlier.Command is not null && later.Command is not null && earlier.Command != later.Command)
        {
            conflict = "its forced command differs from that of a key accepted earlier";
            return null;
        }

        if (earlier.TunnelDevice is { } a && later.TunnelDevice is { } b && a != b)
        {
            conflict = "its tunnel device differs from that of a key accepted earlier";
            return null;
        }

        var permitOpen = Intersect(earlier.PermitOpen, later.PermitOpen, out var noOpen);
        var permitListen = Intersect(earlier.PermitListen, later.PermitListen, out _);
        return new AuthorizedKeyRestrictions
        {
            // Two permitopen lists with nothing in common leave no target open.
            PortForwarding = earlier.PortForwarding && later.PortForwarding && !noOpen,
            AgentForwarding = earlier.AgentForwarding && later.AgentForwarding,
            X11Forwarding = earlier.X11Forwarding && later.X11Forwarding,
            Pty = earlier.Pty && later.Pty,
            UserRc = earlier.UserRc && later.UserRc,
            NoTouchRequired = earlier.NoTouchRequired && later.NoTouchRequired,
            VerifyRequired = earlier.VerifyRequired || later.VerifyRequired,
            Command = earlier.Command ?? later.Command,
            Environment = [.. earlier.Environment, .. later.Environment.Where(e => !earlier.Environment.Any(x => SameName(x, e)))],
            PermitOpen = permitOpen,
            PermitListen = permitListen,
            TunnelDevice = earlier.TunnelDevice ?? later.TunnelDevice,
            ExpiryTime = (earlier.ExpiryTime, later.ExpiryTime) switch
            {
                ({ } x, { } y) => x < y ? x : y,
                var (x, y) => x ?? y,
            },
            From = earlier.From ?? later.From,
            SourceAddress = earlier.SourceAddress ?? later.SourceAddress,
        };
    }

    /// <summary>An empty list allows every target; two lists allow what both allow.</summary>
    private static IReadOnlyList<string> Intersect(IReadOnlyList<string> a, IReadOnlyList<string> b, out bool empty)
    {
        empty = false;
        if (a.Count == 0 || b.Count == 0)
        {
            return a.Count == 0 ? b : a;
        }

        var both = a.Where(b.Contains).ToList();
        empty = both.Count == 0;
        return both.AsReadOnly();
    }

    private static bool SameName(string x, string y)
    {
        var length = x.IndexOf('=', StringComparison.Ordinal);
        return length == y.IndexOf('=', StringComparison.Ordinal) && string.CompareOrdinal(x, 0, y, 0, length) == 0;
    }
}
