using System.Globalization;
using SshMux.Ssh;
using SshMux.Ssh.Connection;
using SshMux.Ssh.OpenSsh;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Relay;

/// <summary>
/// What one authenticated local client may do, from its key's authorized_keys options and
/// certificate (<see cref="AuthorizedKeyRestrictions"/>), as sshd applies them to a session:
/// pty-req needs "pty", direct-tcpip and direct-streamlocal need "port-forwarding" and, when
/// permitopen= is given, a listed target; command= (or force-command) replaces what the client
/// asks to run. No restrictions (null) is the fallback of keys from ~/.ssh/*.pub.
/// </summary>
internal sealed class SessionPolicy(AuthorizedKeyRestrictions? restrictions, string client, SshLog log)
{
    /// <summary>sshd's PORT_STREAMLOCAL: the port a Unix socket target is matched with, which only a "*" port allows.</summary>
    private const int StreamLocalPort = -2;

    public AuthorizedKeyRestrictions? Restrictions => restrictions;

    public bool AllowsPty => restrictions?.Pty ?? true;

    /// <summary>The command that replaces every exec, shell and subsystem request, or null.</summary>
    public string? ForcedCommand => restrictions?.Command;

    /// <summary>NAME=value pairs set upstream before the session starts (only when the server permits user environment).</summary>
    public IReadOnlyList<string> Environment => restrictions?.Environment ?? [];

    /// <summary>Why a channel of this type and data is refused, or null when it may be opened.</summary>
    public string? CheckOpen(string channelType, ReadOnlySpan<byte> data)
    {
        if (restrictions is null || channelType is not ("direct-tcpip" or "direct-streamlocal@openssh.com"))
        {
            return null;
        }

        if (!restrictions.PortForwarding)
        {
            return "port forwarding is not allowed for this key (no-port-forwarding, restrict, or a certificate without permit-port-forwarding)";
        }

        if (restrictions.PermitOpen.Count == 0)
        {
            return null;
        }

        string host;
        int port;
        try
        {
            (host, port) = channelType == "direct-tcpip" ? Tcpip(data) : (StreamLocalPath(data), StreamLocalPort);
        }
        catch (SshException e)
        {
            return "malformed channel open data: " + e.Message;
        }

        foreach (var permit in restrictions.PermitOpen)
        {
            if (Matches(permit, host, port))
            {
                return null;
            }
        }

        var target = port == StreamLocalPort ? host : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
        return $"{VersionExchange.Printable(target, 128)} is not a permitopen target of this key (permitopen=\"{string.Join("\",\"", restrictions.PermitOpen)}\")";
    }

    /// <summary>Logs a refused request or channel; the client only learns "failure" or the open failure description.</summary>
    public void LogRefusal(string what, string why) => log(SshLogLevel.Info, $"Refused {what} from {client}: {why}");

    public void LogNote(string message) => log(SshLogLevel.Info, $"{client}: {message}");

    /// <summary>The restrictions in authorized_keys words, for the log line of a new client.</summary>
    public string Describe()
    {
        if (restrictions is not { } r)
        {
            return "unrestricted";
        }

        var parts = new List<string>();
        if (!r.Pty)
        {
            parts.Add("no-pty");
        }

        if (!r.PortForwarding)
        {
            parts.Add("no-port-forwarding");
        }

        if (!r.AgentForwarding)
        {
            parts.Add("no-agent-forwarding");
        }

        if (!r.X11Forwarding)
        {
            parts.Add("no-X11-forwarding");
        }

        parts.AddRange(r.PermitOpen.Select(p => $"permitopen=\"{p}\""));
        if (r.Command is { } command)
        {
            parts.Add($"command=\"{VersionExchange.Printable(command, 128)}\"");
        }

        parts.AddRange(r.Environment.Select(e => $"environment=\"{VersionExchange.Printable(e[..e.IndexOf('=', StringComparison.Ordinal)], 64)}=...\""));
        return parts.Count == 0 ? "unrestricted" : string.Join(",", parts);
    }

    /// <summary>RFC 4254 section 7.2: string host to connect, uint32 port, string originator address, uint32 originator port.</summary>
    private static (string Host, int Port) Tcpip(ReadOnlySpan<byte> data)
    {
        var (host, port, _, _) = SessionRequests.DecodeTcpip(data);
        return (host, port > ushort.MaxValue ? -1 : (int)port);
    }

    /// <summary>OpenSSH PROTOCOL 2.4: string socket path, string reserved, uint32 reserved.</summary>
    private static string StreamLocalPath(ReadOnlySpan<byte> data)
    {
        var reader = new SshReader(data);
        var path = reader.ReadString("socket path");
        reader.ReadBinary("reserved");
        reader.ReadUInt32("reserved");
        reader.EnsureEnd("direct-streamlocal open");
        return path;
    }

    /// <summary>
    /// channels.c open_match on a permitopen entry (split as hpdelim2 does: "[v6]:port", else at
    /// the first ':' or '/'): the port equal or "*", the host equal (exactly) or "*".
    /// </summary>
    private static bool Matches(string permit, string host, int port)
    {
        string permitHost, permitPort;
        if (permit.StartsWith('['))
        {
            var close = permit.IndexOf(']', StringComparison.Ordinal);
            permitHost = permit[1..close];
            permitPort = permit[(close + 2)..];
        }
        else
        {
            var delimiter = permit.IndexOfAny([':', '/']);
            permitHost = permit[..delimiter];
            permitPort = permit[(delimiter + 1)..];
        }

        var portMatches = permitPort == "*"
            || (port > 0 && int.TryParse(permitPort, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p == port);
        return portMatches && (permitHost == "*" || permitHost == host);
    }
}
