using System.Net;
using SshMux.Routing;
using SshMux.Ssh;
using SshMux.Ssh.Connection;
using SshMux.Ssh.OpenSsh;

namespace SshMux.Relay;

/// <summary>
/// The route's part of the direct-tcpip allowlist (the seed's guard against lateral movement):
/// a target on the upstream's own loopback (localhost, 127.0.0.0/8, ::1), where services that
/// trust local callers listen, is reached only when the route allows any loopback port
/// (allow_remote_loopback_any_port; VS Code and Cursor tunnel to their server that way) or the
/// client key's permitopen= names it. Other targets are what <see cref="SessionPolicy"/> allows.
/// </summary>
internal static class LoopbackForwarding
{
    /// <summary>Why the route refuses the channel, or null.</summary>
    public static string? Check(Route route, string channelType, ReadOnlySpan<byte> data, AuthorizedKeyRestrictions? restrictions)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (channelType != "direct-tcpip" || route.AllowRemoteLoopbackAnyPort)
        {
            return null;
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

        // SessionPolicy has already matched a non-empty permitopen list: the key names this target.
        if (restrictions is { PermitOpen.Count: > 0 })
        {
            return null;
        }

        return $"route \"{route.Name}\" does not allow forwarding to the remote's loopback ({Ssh.Transport.VersionExchange.Printable(host, 64)}:{port}); " +
            "set allow_remote_loopback_any_port = true for the route to allow it";
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address))
        || host == "0.0.0.0" || host == "::";
}
