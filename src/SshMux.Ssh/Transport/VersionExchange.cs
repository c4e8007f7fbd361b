using System.Text;

namespace SshMux.Ssh.Transport;

/// <summary>
/// The protocol version exchange of RFC 4253 section 4.2: "SSH-2.0-softwareversion SP comments CR LF".
/// </summary>
public static class VersionExchange
{
    /// <summary>Maximum length of an identification line including CR LF (RFC 4253 section 4.2).</summary>
    public const int MaxLineLength = 255;

    /// <summary>How many lines a server may send before its identification (OpenSSH allows about as many).</summary>
    public const int MaxPreambleLines = 1024;

    public static string BuildIdentification(string softwareVersion, string? comments)
    {
        ArgumentException.ThrowIfNullOrEmpty(softwareVersion);
        foreach (var c in softwareVersion)
        {
            if (c is <= ' ' or > '~' or '-')
            {
                throw new ArgumentException("softwareversion must be printable US-ASCII without spaces or '-' (RFC 4253 section 4.2)", nameof(softwareVersion));
            }
        }

        var line = "SSH-2.0-" + softwareVersion + (string.IsNullOrEmpty(comments) ? string.Empty : " " + comments);
        if (line.Length + 2 > MaxLineLength)
        {
            throw new ArgumentException("identification string is longer than 253 characters", nameof(comments));
        }

        return line;
    }

    /// <summary>
    /// Checks a received identification line (without CR LF) and returns it. Protocol
    /// versions other than 2.0 and 1.99 (RFC 4253 section 5.1) are refused.
    /// </summary>
    public static string Validate(string line)
    {
        if (!line.StartsWith("SSH-", StringComparison.Ordinal))
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Peer sent no SSH identification string: \"{Printable(line)}\"");
        }

        var dash = line.IndexOf('-', 4);
        if (dash < 0)
        {
            throw new SshException(DisconnectReason.ProtocolError, $"Malformed SSH identification string: \"{Printable(line)}\"");
        }

        var proto = line[4..dash];
        if (proto is not ("2.0" or "1.99"))
        {
            throw new SshException(DisconnectReason.ProtocolVersionNotSupported,
                $"Peer speaks SSH protocol {Printable(proto)}, ssh-mux speaks 2.0: \"{Printable(line)}\"");
        }

        foreach (var c in line)
        {
            if (c is < ' ' or > '~')
            {
                throw new SshException(DisconnectReason.ProtocolError, $"SSH identification string has a control or non-ASCII character: \"{Printable(line)}\"");
            }
        }

        return line;
    }

    /// <summary>Makes peer text safe to print: control characters become '?', long text is cut.</summary>
    public static string Printable(string text, int max = 120)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max));
        foreach (var c in text)
        {
            if (sb.Length >= max)
            {
                sb.Append("...");
                break;
            }

            sb.Append(c is < ' ' or > '~' ? '?' : c);
        }

        return sb.ToString();
    }
}
