namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// Reads ssh_config files with their Includes (readconf.c read_config_file_depth and oInclude):
/// a relative Include path is taken from ~/.ssh for the user's configuration and from /etc/ssh
/// for the system one, "~/" is the home directory (refused in the system configuration), paths
/// are globbed (sorted, missing files ignored), and Includes nest at most 16 deep. Every line is
/// checked whether or not it will apply, as ssh does, so a broken line fails the whole file.
/// </summary>
internal sealed class SshConfigReader
{
    /// <summary>readconf.c READCONF_MAX_DEPTH.</summary>
    public const int MaxIncludeDepth = 16;

    private readonly SshConfigReadOptions _options;
    private readonly List<string> _skipped = [];

    public SshConfigReader(SshConfigReadOptions options)
    {
        _options = options;
    }

    /// <summary>Files passed over because <see cref="SshConfigReadOptions.SkipFile"/> said so.</summary>
    public IReadOnlyList<string> Skipped => _skipped;

    /// <summary>Reads a top-level file; null when it does not exist (ssh then goes on without it).</summary>
    public SshConfigFile? ReadFile(string path, bool userConfig, bool checkPermissions)
    {
        if (IsSkipped(path))
        {
            return null;
        }

        var text = ReadText(path, checkPermissions, includedFrom: null);
        return text is null ? null : ParseText(path, text, userConfig, depth: 0);
    }

    /// <summary>Parses text as a file of that name (Includes are still read from disk).</summary>
    public SshConfigFile ParseText(string path, string text, bool userConfig, int depth)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<SshConfigEntry>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = SshConfigLine.Parse(path, lineNumber, rawLine);
            if (line is null)
            {
                continue;
            }

            entries.Add(line.Keyword switch
            {
                "host" => HostEntry(line),
                "match" => new SshConfigMatchEntry(line, SshConfigMatch.Parse(line)),
                "include" => IncludeEntry(line, userConfig, depth),
                _ => OptionEntry(line),
            });
        }

        return new SshConfigFile(path, entries);
    }

    private static SshConfigHostEntry HostEntry(SshConfigLine line)
    {
        if (line.Arguments.Any(a => a.Length == 0))
        {
            throw new SshConfigException(line.FileName, line.LineNumber, "keyword host empty argument");
        }

        return new SshConfigHostEntry(line);
    }

    private static SshConfigOptionEntry OptionEntry(SshConfigLine line)
    {
        SshConfigKeywords.Validate(line);
        return new SshConfigOptionEntry(line);
    }

    private SshConfigIncludeEntry IncludeEntry(SshConfigLine line, bool userConfig, int depth)
    {
        var files = new List<SshConfigFile>();
        foreach (var argument in line.Arguments)
        {
            if (argument.Length == 0)
            {
                throw new SshConfigException(line.FileName, line.LineNumber, "keyword include empty argument");
            }

            if (argument[0] == '~' && !userConfig)
            {
                throw new SshConfigException(line.FileName, line.LineNumber, $"bad include path {argument}.");
            }

            string pattern;
            if (argument[0] == '~')
            {
                pattern = ExpandTilde(argument, line);
            }
            else if (Path.IsPathRooted(argument))
            {
                pattern = argument;
            }
            else
            {
                pattern = Path.Combine(userConfig ? Path.Combine(_options.HomeDirectory, ".ssh") : _options.SystemDirectory, argument);
            }

            foreach (var path in SshConfigGlob.Expand(pattern))
            {
                if (IsSkipped(path))
                {
                    continue;
                }

                if (depth + 1 > MaxIncludeDepth)
                {
                    throw new SshConfigException(line.FileName, line.LineNumber, $"Too many recursive configuration includes (deeper than {MaxIncludeDepth}) at {path}");
                }

                var text = ReadText(path, checkPermissions: true, includedFrom: line);
                if (text is not null)
                {
                    files.Add(ParseText(path, text, userConfig, depth + 1));
                }
            }
        }

        return new SshConfigIncludeEntry(line, files);
    }

    private string ExpandTilde(string argument, SshConfigLine line)
    {
        if (argument == "~" || argument.StartsWith("~/", StringComparison.Ordinal))
        {
            return _options.HomeDirectory + argument[1..];
        }

        // glob(3) GLOB_TILDE would look up ~user in the password database; ssh-mux only knows
        // its own user's home, so another user's home is refused rather than guessed.
        throw new SshConfigException(line.FileName, line.LineNumber, $"bad include path {argument}: only ~/ (this user's home) is supported");
    }

    private bool IsSkipped(string path)
    {
        if (_options.SkipFile is null)
        {
            return false;
        }

        var full = Path.GetFullPath(path);
        if (_options.SkipFile(full) || _options.SkipFile(SshConfigReadOptions.ResolvePath(full)))
        {
            _skipped.Add(full);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The file's text; null when it does not exist (ssh ignores missing files). Like ssh
    /// (SSHCONF_CHECKPERM) a file that others may write is refused: it could name a ProxyCommand.
    /// </summary>
    private static string? ReadText(string path, bool checkPermissions, SshConfigLine? includedFrom)
    {
        try
        {
            if (Directory.Exists(path) || !File.Exists(path))
            {
                return null;
            }

            if (checkPermissions && !OperatingSystem.IsWindows()
                && (File.GetUnixFileMode(path) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                throw Failure(includedFrom, $"Bad owner or permissions on {path} (group or others may write it)");
            }

            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(includedFrom, $"Can't open user config file {path}: {e.Message}");
        }
    }

    private static SshConfigException Failure(SshConfigLine? includedFrom, string message) =>
        includedFrom is null ? new SshConfigException(message) : new SshConfigException(includedFrom.FileName, includedFrom.LineNumber, message);
}

/// <summary>
/// Where ssh_config files are looked for. <paramref name="SkipFile"/> gets each file's full path
/// and then its <see cref="ResolvePath">resolved</see> path, and returns true for files that
/// must not be read.
/// </summary>
public sealed record SshConfigReadOptions(string HomeDirectory, string SystemDirectory = "/etc/ssh", Func<string, bool>? SkipFile = null)
{
    private const int MaxLinks = 40;

    /// <summary>
    /// realpath(3): the absolute path with every symbolic link (in the directories too) followed,
    /// so one file reached by two names is recognised. Parts that do not exist are kept as they are.
    /// </summary>
    public static string ResolvePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var remaining = new Stack<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = "/";
        var links = 0;
        while (remaining.Count > 0)
        {
            var next = Path.Combine(current, remaining.Pop());
            string? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Unreadable: keep the name.
            }

            if (target is null || ++links > MaxLinks)
            {
                current = next;
                continue;
            }

            // A link's target is read relative to the directory holding the link, and may itself hold links.
            var resolved = Path.GetFullPath(target, current);
            foreach (var part in resolved.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                remaining.Push(part);
            }

            current = "/";
        }

        return current;
    }
}
