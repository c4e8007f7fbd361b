namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// One ProxyJump / -J hop: "[user@]host[:port]" (misc.c parse_user_host_port; an IPv6 address
/// in brackets) or "ssh://[user[;params]@]host[:port][/]" (misc.c parse_ssh_uri; no path).
/// </summary>
/// <param name="User">The user named in the hop, or null (the hop's own configuration decides).</param>
/// <param name="Port">The port named in the hop, or null.</param>
/// <param name="Text">The hop as written.</param>
public sealed record SshJumpHost(string? User, string Host, int? Port, string Text)
{
    /// <summary>
    /// Parses a comma-separated ProxyJump list, first hop first. "none" (any case) yields an
    /// empty list.
    /// </summary>
    public static bool TryParseList(string text, out IReadOnlyList<SshJumpHost> hops)
    {
        ArgumentNullException.ThrowIfNull(text);
        hops = [];
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var list = new List<SshJumpHost>();
        foreach (var part in text.Split(','))
        {
            if (!TryParse(part, out var hop))
            {
                return false;
            }

            list.Add(hop);
        }

        hops = list;
        return true;
    }

    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SshJumpHost? hop)
    {
        ArgumentNullException.ThrowIfNull(text);
        hop = null;
        const string scheme = "ssh://";
        return text.StartsWith(scheme, StringComparison.Ordinal)
            ? TryParseUri(text, text[scheme.Length..], out hop)
            : TryParseUserHostPort(text, out hop);
    }

    private static bool TryParseUserHostPort(string text, out SshJumpHost? hop)
    {
        hop = null;
        string? user = null;
        var rest = text;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            if (at == 0)
            {
                return false;
            }

            user = rest[..at];
            rest = rest[(at + 1)..];
        }

        if (!TrySplitHostPort(rest, out var host, out var portText, out _))
        {
            return false;
        }

        int? port = null;
        if (portText.Length > 0)
        {
            port = SshConfigKeywords.ParsePort(portText);
            if (port is null)
            {
                return false;
            }
        }

        hop = new SshJumpHost(user, host, port, text);
        return true;
    }

    private static bool TryParseUri(string text, string rest, out SshJumpHost? hop)
    {
        hop = null;
        string? user = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            // ";params" after the user name are connection parameters that ssh also ignores.
            var userPart = rest[..at];
            var semicolon = userPart.IndexOf(';', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(semicolon >= 0 ? userPart[..semicolon] : userPart);
            if (user.Length == 0)
            {
                return false;
            }

            rest = rest[(at + 1)..];
        }

        if (!TrySplitHostPort(rest, out var host, out var after, out var delimiter))
        {
            return false;
        }

        int? port = null;
        if (delimiter == ':' && after.Length > 0)
        {
            var slash = after.IndexOf('/', StringComparison.Ordinal);
            port = SshConfigKeywords.ParsePort(slash >= 0 ? after[..slash] : after);
            if (port is null)
            {
                return false;
            }

            after = slash >= 0 ? after[(slash + 1)..] : string.Empty;
        }

        if (after.Length > 0 || host.IndexOfAny([' ', '\t', '/', '@']) >= 0)
        {
            // A path is not allowed in a ProxyJump URI.
            return false;
        }

        hop = new SshJumpHost(user, host, port, text);
        return true;
    }

    /// <summary>misc.c hpdelim2: "[v6]" or up to the first ':' or '/'; brackets removed.</summary>
    private static bool TrySplitHostPort(string text, out string host, out string rest, out char delimiter)
    {
        host = string.Empty;
        rest = string.Empty;
        delimiter = '\0';
        int end;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = text[1..close];
            end = close + 1;
            if (end < text.Length && text[end] != ':' && text[end] != '/')
            {
                return false;
            }
        }
        else
        {
            end = text.IndexOfAny([':', '/']);
            if (end < 0)
            {
                end = text.Length;
            }

            host = text[..end];
        }

        if (end < text.Length)
        {
            delimiter = text[end];
            rest = text[(end + 1)..];
        }

        return host.Length > 0;
    }
}
