namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// The keywords ssh-mux reads, checked as readconf.c checks them (whether or not the line will
/// apply). Every other keyword is kept unchecked: ssh-mux does not use it, and a keyword newer
/// than this code must not make the whole file unusable.
/// </summary>
public static class SshConfigKeywords
{
    public const string HostName = "hostname";
    public const string User = "user";
    public const string Port = "port";
    public const string IdentityFile = "identityfile";
    public const string CertificateFile = "certificatefile";
    public const string IdentitiesOnly = "identitiesonly";
    public const string ProxyJump = "proxyjump";
    public const string ProxyCommand = "proxycommand";
    public const string StrictHostKeyChecking = "stricthostkeychecking";
    public const string LocalForward = "localforward";

    /// <summary>Keywords whose every obtained value is kept (readconf.c add_identity_file, add_local_forward...).</summary>
    public static bool Accumulates(string keyword) =>
        keyword is IdentityFile or CertificateFile or LocalForward or "remoteforward" or "dynamicforward" or "sendenv";

    /// <summary>readconf.c parse_flag values.</summary>
    public static bool? ParseFlag(string value) => OpenSshPattern.ToLowerAscii(value) switch
    {
        "yes" or "true" => true,
        "no" or "false" => false,
        _ => null,
    };

    internal static void Validate(SshConfigLine line)
    {
        switch (line.Keyword)
        {
            case HostName or User or IdentityFile or CertificateFile:
                Single(line);
                break;
            case Port:
                if (ParsePort(Single(line)) is null)
                {
                    throw Bad(line, $"Bad port '{line.Arguments[0]}'.");
                }

                break;
            case IdentitiesOnly:
                if (ParseFlag(Single(line)) is null)
                {
                    throw Bad(line, $"unsupported option \"{line.Arguments[0]}\".");
                }

                break;
            case StrictHostKeyChecking:
                if (OpenSshPattern.ToLowerAscii(Single(line)) is not ("yes" or "true" or "no" or "false" or "off" or "ask" or "accept-new"))
                {
                    throw Bad(line, $"unsupported option \"{line.Arguments[0]}\".");
                }

                break;
            case ProxyJump:
                var jump = Single(line);
                if (!SshJumpHost.TryParseList(JumpText(jump), out _))
                {
                    throw Bad(line, $"Invalid ProxyJump \"{jump}\"");
                }

                break;
            case ProxyCommand:
                break;
        }
    }

    /// <summary>ProxyCommand, LocalCommand...: the rest of the line, quotes and all, after any leading whitespace or '='.</summary>
    public static string CommandText(SshConfigLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Rest.TrimStart(' ', '\t', '\r', '\n', '=');
    }

    /// <summary>readconf.c parse_jump drops anything from a '#' on and trailing whitespace.</summary>
    public static string JumpText(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        var hash = argument.IndexOf('#', StringComparison.Ordinal);
        return (hash >= 0 ? argument[..hash] : argument).TrimEnd(' ', '\t', '\r', '\n');
    }

    /// <summary>misc.c a2port: a decimal port 1..65535.</summary>
    public static int? ParsePort(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 ? port : null;

    private static string Single(SshConfigLine line)
    {
        if (line.Arguments.Count == 0 || line.Arguments[0].Length == 0)
        {
            throw Bad(line, "Missing argument.");
        }

        if (line.Arguments.Count > 1)
        {
            throw Bad(line, $"keyword {line.Keyword} extra arguments at end of line");
        }

        return line.Arguments[0];
    }

    private static SshConfigException Bad(SshConfigLine line, string message) => new(line.FileName, line.LineNumber, message);
}
