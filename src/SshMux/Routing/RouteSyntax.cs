using System.Globalization;
using System.Text;

namespace SshMux.Routing;

/// <summary>The two small languages inside routes file strings: ProxyJump-style hop specs and ProxyCommand % escapes.</summary>
internal static class RouteSyntax
{
    /// <summary>
    /// Parses "[user@]host[:port]" as in ssh_config(5) ProxyJump; an IPv6 address takes a port only
    /// in brackets ("[::1]:2222"). Returns an error text, or null on success.
    /// </summary>
    public static string? TryParseHop(string spec, out string? user, out string host, out int port)
    {
        user = null;
        host = string.Empty;
        port = 22;
        if (spec.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return $"'{spec}' must not contain white space or control characters";
        }

        var rest = spec;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = rest[..at];
            rest = rest[(at + 1)..];
            if (user.Length == 0)
            {
                return $"'{spec}' has an empty user name before '@'";
            }
        }

        string? portText = null;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return $"'{spec}' has '[' without ']'";
            }

            host = rest[1..close];
            var after = rest[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return $"'{spec}': expected ':port' after ']'";
                }

                portText = after[1..];
            }
        }
        else if (rest.Count(c => c == ':') == 1)
        {
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            host = rest[..colon];
            portText = rest[(colon + 1)..];
        }
        else
        {
            host = rest;
        }

        if (host.Length == 0)
        {
            return $"'{spec}' has no host name";
        }

        if (portText is not null
            && (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit)
                || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            return $"'{spec}' has an invalid port '{portText}' (1-65535)";
        }

        return null;
    }

    /// <summary>
    /// Expands ssh_config(5) TOKENS as ssh does for ProxyCommand: %h host, %p port, %r remote
    /// user, %n the route name (ssh: the name as given on the command line), %% a literal %.
    /// Any other escape is an error, as in ssh. Returns an error text, or null on success.
    /// </summary>
    public static string? TryExpandProxyCommand(string template, HopSettings hop, string routeName, out string expanded)
    {
        var sb = new StringBuilder(template.Length + 32);
        expanded = string.Empty;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '%')
            {
                sb.Append(template[i]);
                continue;
            }

            if (++i == template.Length)
            {
                return "ends with a lone '%' (write %% for a literal percent sign)";
            }

            switch (template[i])
            {
                case 'h': sb.Append(hop.Host); break;
                case 'p': sb.Append(hop.Port.ToString(CultureInfo.InvariantCulture)); break;
                case 'r': sb.Append(hop.User); break;
                case 'n': sb.Append(routeName); break;
                case '%': sb.Append('%'); break;
                default: return $"unknown escape '%{template[i]}' (expected %h, %p, %r, %n or %%)";
            }
        }

        expanded = sb.ToString();
        return null;
    }
}
