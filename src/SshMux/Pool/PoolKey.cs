using System.Globalization;
using System.Text;
using SshMux.Routing;

namespace SshMux.Pool;

/// <summary>
/// What makes two upstream connections interchangeable: the local key that asked, and the
/// whole path to the hop (each hop's user@host:port, identity files, IdentitiesOnly,
/// ProxyCommand, host key policy, known_hosts files and HostKeyAlias, jump hosts first): two
/// routes that trust host keys differently never share a connection. A connection is never shared across
/// local keys: ssh-mux is a single-user daemon, so the "local user" is the SHA256 fingerprint
/// of the key the local client authenticated with; two keys of the same person get two
/// upstream connections, and whatever one key's authorized_keys options forbid, the other's
/// connection cannot be borrowed for.
/// </summary>
internal sealed record PoolKey(string LocalUser, string Path)
{
    /// <summary>The key of hop <paramref name="index"/> of the route (0.. jumps, then the target at Jumps.Count).</summary>
    public static PoolKey For(Route route, int index, string localUser)
    {
        ArgumentNullException.ThrowIfNull(route);
        var path = new StringBuilder();
        for (var i = 0; i <= index; i++)
        {
            var hop = i < route.Jumps.Count ? route.Jumps[i] : route.Target;
            if (i > 0)
            {
                path.Append(" -> ");
            }

            path.Append(hop.Display)
                .Append(CultureInfo.InvariantCulture, $" [ids={string.Join(",", hop.IdentityFiles)};only={hop.IdentitiesOnly};hk={hop.HostKeyPolicy}");
            if (hop.ProxyCommand is { } command)
            {
                path.Append(";proxy=").Append(command);
            }

            // Paths cannot hold NUL, so joining with it keeps ["a b"] and ["a", "b"] apart.
            if (hop.UserKnownHostsFiles is { } userFiles)
            {
                path.Append(";ukh=").AppendJoin('\0', userFiles);
            }

            if (hop.GlobalKnownHostsFiles is { } globalFiles)
            {
                path.Append(";gkh=").AppendJoin('\0', globalFiles);
            }

            if (hop.HostKeyAlias is { } alias)
            {
                path.Append(";alias=").Append(alias);
            }

            path.Append(']');
        }

        return new PoolKey(localUser, path.ToString());
    }

    /// <summary>The hops of the path, for status: "jump@bastion:22 -> deploy@10.0.0.10:22".</summary>
    public static string Display(Route route, int index)
    {
        ArgumentNullException.ThrowIfNull(route);
        return string.Join(" -> ", Enumerable.Range(0, index + 1).Select(i => i < route.Jumps.Count ? route.Jumps[i] : route.Target).Select(h => h.ProxyCommand is null ? h.Display : h.Display + " (ProxyCommand)"));
    }
}
