using System.Net;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Connection;
using SshMux.Ssh.OpenSsh;

namespace SshMux.Relay;

/// <summary>
/// The route's part of the forwarding allowlist (the seed's guard against lateral movement):
/// a target on the upstream's own loopback (localhost, 127.0.0.0/8, ::1, and the any-addresses,
/// which connect(2) also sends to the local host), where services that trust local callers
/// listen, is reached only when the route allows any loopback port
/// (allow_remote_loopback_any_port; VS Code and Cursor tunnel to their server that way) or the
/// client key's permitopen= names it. A Unix socket (direct-streamlocal, e.g. the remote's
/// /var/run/docker.sock) is always local to the remote and follows the same rule. Other
/// targets are what <see cref="SessionPolicy"/> allows.
/// </summary>
internal static class LoopbackForwarding
{
    /// <summary>Names resolving to loopback in the usual /etc/hosts (Debian's, glibc's ip6-* entries).</summary>
    private static readonly string[] LoopbackNames = ["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"];

    /// <summary>Why the route refuses the channel, or null.</summary>
    public static string? Check(Route route, string channelType, ReadOnlySpan<byte> data, AuthorizedKeyRestrictions? restrictions)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (channelType is not ("direct-tcpip" or "direct-streamlocal@openssh.com") || route.AllowRemoteLoopbackAnyPort)
        {
            return null;
        }

        // SessionPolicy has already matched a non-empty permitopen list: the key names this target.
        if (restrictions is { PermitOpen.Count: > 0 })
        {
            return null;
        }

        if (channelType == "direct-streamlocal@openssh.com")
        {
            return $"route \"{route.Name}\" does not allow forwarding to Unix sockets on the remote; " +
                "set allow_remote_loopback_any_port = true for the route to allow it";
        }

        string host;
        uint port;
        try
        {
            (host, port, _, _) = SessionRequests.DecodeTcpip(data);
        }
        catch (SshException e)
        {
            return "malformed channel open data: " + e.Message;
        }

        if (!IsLoopback(host))
        {
            return null;
        }

        return $"route \"{route.Name}\" does not allow forwarding to the remote's loopback ({Ssh.Transport.VersionExchange.Printable(host, 64)}:{port}); " +
            "set allow_remote_loopback_any_port = true for the route to allow it";
    }

    /// <summary>
    /// Judged on what the upstream's resolver will make of the text: "0", "127.1", "0x7f.1" and
    /// "0:0::0" are addresses there too, and a trailing dot only marks a name fully qualified.
    /// </summary>
    internal static bool IsLoopback(string host)
    {
        var name = host.Trim();
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        // An empty host is no target anyone means; refusing it fails closed.
        if (name.Length == 0
            || LoopbackNames.Contains(name, StringComparer.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(name, out var address) && IsLocalAddress(address);
    }

    private static bool IsLocalAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);

        // 0.0.0.0/8 ("this network"; Linux connects 0.0.0.0 to the local host), and the
        // deprecated IPv4-compatible ::a.b.c.d form of it and of 127/8.
        return length == 4
            ? bytes[0] == 0
            : bytes[..12].IndexOfAnyExcept((byte)0) < 0 && bytes[12] is 0 or 127;
    }
}
