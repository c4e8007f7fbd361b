using System.Globalization;

namespace SshMux.Cli;

/// <summary>A HOST[:PORT] argument; IPv6 literals are written [addr] or [addr]:port as in ssh.</summary>
internal readonly record struct HostPort(string Host, int Port)
{
    public static bool TryParse(string text, int defaultPort, out HostPort result, out string error)
    {
        result = default;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text) || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            error = $"\"{text}\" is not a host name: it is empty or contains white space or control characters";
            return false;
        }

        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"\"{text}\": missing ']' after the IPv6 address";
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':'))
                {
                    error = $"\"{text}\": expected ':PORT' after ']'";
                    return false;
                }

                port = rest[1..];
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) == colon)
            {
                host = text[..colon];
                port = text[(colon + 1)..];
            }
            else
            {
                host = text; // a bare IPv6 literal has several colons and no port
            }
        }

        var portNumber = defaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber) || portNumber is < 1 or > 65535))
        {
            error = $"\"{port}\" is not a port number (1-65535)";
            return false;
        }

        if (host.Length == 0)
        {
            error = $"\"{text}\" has no host name";
            return false;
        }

        result = new HostPort(host, portNumber);
        return true;
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
