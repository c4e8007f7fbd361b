using System.Globalization;
using System.Text;

namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// The options field of an authorized_keys line (sshd(8) AUTHORIZED_KEYS FILE FORMAT), parsed as
/// sshd's sshauthopt_parse does: comma-separated, names case-insensitive, values in double quotes
/// with \" for a quote. The permission flags start allowed and "restrict" turns them all off;
/// the positive forms (pty, port-forwarding, ...) turn single ones back on.
/// </summary>
public sealed record AuthorizedKeyOptions
{
    /// <summary>SSH_TUNID_ANY: tunnel="any".</summary>
    public const int AnyTunnelDevice = 0x7fffffff;

    /// <summary>auth-options.h SSH_AUTHOPT_ENV_MAX and SSH_AUTHOPT_PERMIT_MAX.</summary>
    private const int MaxEnvironment = 1024;
    private const int MaxPermits = 4096;

    /// <summary>The options of a line that has none.</summary>
    public static AuthorizedKeyOptions None { get; } = new();

    public bool Restrict { get; init; }

    public bool CertAuthority { get; init; }

    public bool PortForwarding { get; init; } = true;

    public bool AgentForwarding { get; init; } = true;

    public bool X11Forwarding { get; init; } = true;

    public bool Pty { get; init; } = true;

    public bool UserRc { get; init; } = true;

    /// <summary>no-touch-required: FIDO signatures need not assert user presence.</summary>
    public bool NoTouchRequired { get; init; }

    /// <summary>verify-required: FIDO signatures must assert user verification.</summary>
    public bool VerifyRequired { get; init; }

    /// <summary>command="...": the forced command.</summary>
    public string? Command { get; init; }

    /// <summary>principals="...": for cert-authority lines, the names accepted in place of the user name.</summary>
    public string? Principals { get; init; }

    /// <summary>from="pattern-list": the client's host name or address must match.</summary>
    public string? From { get; init; }

    /// <summary>expiry-time="...": the entry is refused after this time (the earliest if given more than once).</summary>
    public DateTimeOffset? ExpiryTime { get; init; }

    /// <summary>environment="NAME=value" entries, first one per name (only applied where the server permits user environment).</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    /// <summary>permitopen="host:port" entries, in order.</summary>
    public IReadOnlyList<string> PermitOpen { get; init; } = [];

    /// <summary>permitlisten="[host:]port" entries, in order; a bare port is stored as "*:port".</summary>
    public IReadOnlyList<string> PermitListen { get; init; } = [];

    /// <summary>tunnel="n": the forced tun device, <see cref="AnyTunnelDevice"/> for "any", null when not given.</summary>
    public int? TunnelDevice { get; init; }

    /// <summary>
    /// Parses the options field (without the key). Raises <see cref="FormatException"/> with
    /// sshd's reason, e.g. "missing end quote" or "unknown key option".
    /// </summary>
    public static AuthorizedKeyOptions Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return None;
        }

        var parser = new Parser(text);
        return parser.Run();
    }

    private sealed class Parser(string text)
    {
        private readonly List<string> _environment = [];
        private readonly List<string> _permitOpen = [];
        private readonly List<string> _permitListen = [];
        private int _pos;

        public AuthorizedKeyOptions Run()
        {
            var result = None;
            while (_pos < text.Length && text[_pos] is not (' ' or '\t'))
            {
                result = ParseOne(result);
                if (_pos >= text.Length || text[_pos] is ' ' or '\t')
                {
                    break;
                }

                if (text[_pos] != ',')
                {
                    throw new FormatException("unknown key option");
                }

                _pos++;
                if (_pos >= text.Length)
                {
                    throw new FormatException("unexpected end-of-options");
                }
            }

            return result with
            {
                Environment = _environment.AsReadOnly(),
                PermitOpen = _permitOpen.AsReadOnly(),
                PermitListen = _permitListen.AsReadOnly(),
            };
        }

        /// <summary>One option; the checks go in sshauthopt_parse's order, which matters only for its prefix matching.</summary>
        private AuthorizedKeyOptions ParseOne(AuthorizedKeyOptions o)
        {
            if (Flag("restrict", false) is not null)
            {
                return o with { Restrict = true, PortForwarding = false, AgentForwarding = false, X11Forwarding = false, Pty = false, UserRc = false };
            }

            if (Flag("cert-authority", false) is not null)
            {
                return o with { CertAuthority = true };
            }

            if (Flag("port-forwarding", true) is { } port)
            {
                return o with { PortForwarding = port };
            }

            if (Flag("agent-forwarding", true) is { } agent)
            {
                return o with { AgentForwarding = agent };
            }

            if (Flag("x11-forwarding", true) is { } x11)
            {
                return o with { X11Forwarding = x11 };
            }

            if (Flag("touch-required", true) is { } touch)
            {
                return o with { NoTouchRequired = !touch };
            }

            if (Flag("verify-required", true) is { } verify)
            {
                return o with { VerifyRequired = verify };
            }

            if (Flag("pty", true) is { } pty)
            {
                return o with { Pty = pty };
            }

            if (Flag("user-rc", true) is { } userRc)
            {
                return o with { UserRc = userRc };
            }

            if (Named("command"))
            {
                return o.Command is null ? o with { Command = Dequote() } : throw new FormatException("multiple \"command\" clauses");
            }

            if (Named("principals"))
            {
                return o.Principals is null ? o with { Principals = Dequote() } : throw new FormatException("multiple \"principals\" clauses");
            }

            if (Named("from"))
            {
                return o.From is null ? o with { From = Dequote() } : throw new FormatException("multiple \"from\" clauses");
            }

            if (Named("expiry-time"))
            {
                var expiry = ParseExpiry(Dequote());
                return o.ExpiryTime is { } earlier && earlier <= expiry ? o : o with { ExpiryTime = expiry };
            }

            if (Named("environment"))
            {
                AddEnvironment(Dequote());
                return o;
            }

            if (Named("permitopen"))
            {
                AddPermit(_permitOpen, Dequote(), allowBarePort: false);
                return o;
            }

            if (Named("permitlisten"))
            {
                AddPermit(_permitListen, Dequote(), allowBarePort: true);
                return o;
            }

            if (Named("tunnel"))
            {
                return o with { TunnelDevice = ParseTunnel(Dequote()) };
            }

            // Nothing matched: sshauthopt_parse then finds a character that is not a comma.
            throw new FormatException("unknown key option");
        }

        /// <summary>opt_flag: a case-insensitive prefix, optionally negated with "no-". Null when it does not match.</summary>
        private bool? Flag(string name, bool allowNegate)
        {
            var start = _pos;
            var negate = false;
            if (allowNegate && string.Compare(text, start, "no-", 0, 3, StringComparison.OrdinalIgnoreCase) == 0)
            {
                start += 3;
                negate = true;
            }

            if (start + name.Length > text.Length || string.Compare(text, start, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) != 0)
            {
                return null;
            }

            _pos = start + name.Length;
            return !negate;
        }

        /// <summary>opt_match: a case-insensitive name followed by '='.</summary>
        private bool Named(string name)
        {
            if (_pos + name.Length >= text.Length
                || string.Compare(text, _pos, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) != 0
                || text[_pos + name.Length] != '=')
            {
                return false;
            }

            _pos += name.Length + 1;
            return true;
        }

        /// <summary>opt_dequote: a double-quoted value in which \" stands for a quote (and nothing else is an escape).</summary>
        private string Dequote()
        {
            if (_pos >= text.Length || text[_pos] != '"')
            {
                throw new FormatException("missing start quote");
            }

            var value = new StringBuilder();
            var i = _pos + 1;
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    i++;
                }

                value.Append(text[i++]);
            }

            if (i >= text.Length)
            {
                throw new FormatException("missing end quote");
            }

            _pos = i + 1;
            return value.ToString();
        }

        private void AddEnvironment(string entry)
        {
            if (_environment.Count > MaxEnvironment)
            {
                throw new FormatException("too many environment strings");
            }

            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !IsValidEnvironmentName(entry.AsSpan(0, equals)))
            {
                throw new FormatException("invalid environment string");
            }

            // The first value given for a name wins.
            var prefix = entry[..(equals + 1)];
            if (!_environment.Exists(e => e.StartsWith(prefix, StringComparison.Ordinal)))
            {
                _environment.Add(entry);
            }
        }

        /// <summary>valid_env_name: letters, digits and underscore (ASCII, as isalnum in the C locale).</summary>
        private static bool IsValidEnvironmentName(ReadOnlySpan<char> name)
        {
            foreach (var c in name)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                {
                    return false;
                }
            }

            return name.Length > 0;
        }

        /// <summary>handle_permit: "host:port", "[v6]:port", port "*" or 1-65535; permitlisten also takes a bare port.</summary>
        private static void AddPermit(List<string> permits, string value, bool allowBarePort)
        {
            if (permits.Count > MaxPermits)
            {
                throw new FormatException("too many permission directives");
            }

            if (allowBarePort && !value.Contains(':', StringComparison.Ordinal))
            {
                value = "*:" + value;
            }

            string host;
            string? port;
            if (value.StartsWith('['))
            {
                var close = value.IndexOf(']', StringComparison.Ordinal);
                if (close < 0 || (close + 1 < value.Length && value[close + 1] is not (':' or '/')))
                {
                    throw new FormatException("invalid permission hostname");
                }

                host = value[..(close + 1)];
                port = close + 1 < value.Length ? value[(close + 2)..] : null;
            }
            else
            {
                var delimiter = value.IndexOfAny([':', '/']);
                host = delimiter < 0 ? value : value[..delimiter];
                port = delimiter < 0 ? null : value[(delimiter + 1)..];
            }

            if (host.Length >= 1025)
            {
                throw new FormatException("invalid permission hostname");
            }

            if (port is null || (port != "*" && !IsPort(port)))
            {
                throw new FormatException("invalid permission port");
            }

            permits.Add(value);
        }

        private static bool IsPort(string text) =>
            text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
            && int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is > 0 and <= 65535;

        private static int ParseTunnel(string value)
        {
            if (string.Equals(value, "any", StringComparison.OrdinalIgnoreCase))
            {
                return AnyTunnelDevice;
            }

            if (value.Length is > 0 and <= 10 && value.All(char.IsAsciiDigit)
                && long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) is var device && device <= AnyTunnelDevice - 2)
            {
                return (int)device;
            }

            throw new FormatException("invalid tun device");
        }
    }

    /// <summary>
    /// parse_absolute_time: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, in local time unless it
    /// ends with "Z" or "UTC".
    /// </summary>
    internal static DateTimeOffset ParseExpiry(string value)
    {
        var utc = false;
        var digits = value;
        if (value.Length > 1 && value[^1] is 'Z' or 'z')
        {
            (utc, digits) = (true, value[..^1]);
        }
        else if (value.Length > 3 && value.EndsWith("UTC", StringComparison.OrdinalIgnoreCase))
        {
            (utc, digits) = (true, value[..^3]);
        }

        var format = digits.Length switch
        {
            8 => "yyyyMMdd",
            12 => "yyyyMMddHHmm",
            14 => "yyyyMMddHHmmss",
            _ => null,
        };
        if (format is null || !digits.All(char.IsAsciiDigit)
            || !DateTime.TryParseExact(digits, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new FormatException("invalid expires time");
        }

        var result = utc
            ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc))
            : new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Local));
        if (result.ToUnixTimeSeconds() <= 0)
        {
            throw new FormatException("invalid expires time");
        }

        return result;
    }
}
