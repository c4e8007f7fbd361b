namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// ssh_config(5) files as OpenSSH's ssh reads them (readconf.c): the user's file first, then the
/// system one, with their Includes. <see cref="Resolve"/> gives the options for one host.
/// </summary>
/// <remarks>
/// Unknown keywords are kept (and ignored by ssh-mux) instead of failing the file as ssh does;
/// lines ssh refuses otherwise fail with "FILE:LINE: message". CanonicalizeHostname is ignored
/// (no DNS canonicalisation, no second pass for it). "Match exec" never runs anything: see
/// <see cref="SshConfigMatch"/>.
/// </remarks>
public sealed class SshConfig
{
    private readonly IReadOnlyList<SshConfigFile> _files;
    private readonly bool _wantsFinalPass;
    private readonly List<SshConfigHostEntry> _hosts;
    private readonly Dictionary<string, string> _definitions = new(StringComparer.Ordinal);

    private SshConfig(IReadOnlyList<SshConfigFile> files, IReadOnlyList<string> skippedFiles)
    {
        _files = files;
        SkippedFiles = skippedFiles;
        _hosts = AllEntries(files).OfType<SshConfigHostEntry>().ToList();
        _wantsFinalPass = AllEntries(files).OfType<SshConfigMatchEntry>().Any(m => m.Match.WantsFinalPass);
        foreach (var host in _hosts)
        {
            foreach (var pattern in host.Patterns)
            {
                _definitions.TryAdd(pattern, host.Line.Location);
            }
        }
    }

    /// <summary>Files (full paths) that were not read because the read options said to skip them.</summary>
    public IReadOnlyList<string> SkippedFiles { get; }

    /// <summary>The files that were read, top-level and included, in reading order.</summary>
    public IEnumerable<string> FilesRead => Files(_files).Select(f => f.Path);

    /// <summary>
    /// Reads the user's configuration (a missing file is an empty one) and, when given, the
    /// system one after it. The user's file and every Include are refused when others may write
    /// them, as ssh refuses them.
    /// </summary>
    public static SshConfig Load(string userConfigPath, string? systemConfigPath, SshConfigReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(userConfigPath);
        ArgumentNullException.ThrowIfNull(options);
        var reader = new SshConfigReader(options);
        var files = new List<SshConfigFile>();
        if (reader.ReadFile(userConfigPath, userConfig: true, checkPermissions: true) is { } user)
        {
            files.Add(user);
        }

        if (systemConfigPath is not null && reader.ReadFile(systemConfigPath, userConfig: false, checkPermissions: false) is { } system)
        {
            files.Add(system);
        }

        return new SshConfig(files, reader.Skipped.ToList());
    }

    /// <summary>Parses user-configuration text (Includes are read from disk).</summary>
    public static SshConfig Parse(string text, string fileName, SshConfigReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reader = new SshConfigReader(options);
        var file = reader.ParseText(fileName, text, userConfig: true, depth: 0);
        return new SshConfig([file], reader.Skipped.ToList());
    }

    /// <summary>
    /// The options for <paramref name="alias"/> (the host name as typed on ssh's command line)
    /// when the local user is <paramref name="localUser"/>. Throws <see cref="SshConfigException"/>
    /// when the alias is not a usable host name or HostName has an unknown %-token.
    /// </summary>
    /// <param name="commandLine">Options given on ssh's command line (-l, -p, -J), which come before any file.</param>
    public SshConfigOptions Resolve(string alias, string localUser, SshConfigCommandLine? commandLine = null) => Evaluate(alias, localUser, commandLine, activated: null);

    /// <summary>
    /// The host names the files define: arguments of Host lines without wildcards or negation,
    /// whose block actually applies when that name is resolved (so a Host line in an Include
    /// that never applies names nothing). In file order, without duplicates.
    /// </summary>
    public IReadOnlyList<string> ConcreteHostAliases(string localUser)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in _hosts)
        {
            foreach (var pattern in host.Patterns)
            {
                if (pattern.IndexOfAny(['*', '?', '!']) >= 0 || !IsValidHostName(pattern) || seen.Contains(pattern))
                {
                    continue;
                }

                var activated = new HashSet<SshConfigHostEntry>(ReferenceEqualityComparer.Instance);
                try
                {
                    Evaluate(pattern, localUser, commandLine: null, activated);
                }
                catch (SshConfigException)
                {
                    // The alias is named; resolving it will report the problem.
                    activated.Add(host);
                }

                if (activated.Contains(host))
                {
                    seen.Add(pattern);
                    result.Add(pattern);
                }
            }
        }

        return result;
    }

    /// <summary>The Host line that names <paramref name="alias"/> literally, as "FILE:LINE", or null.</summary>
    public string? DefinitionOf(string alias) => _definitions.GetValueOrDefault(alias);

    /// <summary>
    /// ssh.c valid_hostname(): no shell metacharacters, whitespace, control characters or commas,
    /// no leading '-'. The host name ends up in ProxyCommand %h and in jump commands.
    /// </summary>
    public static bool IsValidHostName(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.Length == 0 || host[0] == '-')
        {
            return false;
        }

        foreach (var c in host)
        {
            if ("'`\"$\\;&<>|(){},".Contains(c, StringComparison.Ordinal) || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    private SshConfigOptions Evaluate(string alias, string localUser, SshConfigCommandLine? commandLine, HashSet<SshConfigHostEntry>? activated)
    {
        ArgumentNullException.ThrowIfNull(alias);
        ArgumentNullException.ThrowIfNull(localUser);
        if (!IsValidHostName(alias))
        {
            throw new SshConfigException($"{alias}: hostname contains invalid characters");
        }

        var pass = new SshConfigPass(alias, localUser, activated);
        if (commandLine is not null)
        {
            pass.Preset(commandLine);
        }

        pass.Run(_files, alias, finalPass: false);

        // ssh.c: once the first pass is done the host becomes HostName with %h expanded, lowered.
        var host = OpenSshPattern.ToLowerAscii(pass.ExpandedHostName(alias) ?? alias);
        if (_wantsFinalPass)
        {
            // ssh.c sets HostName to the host before re-reading, so no HostName line applies again.
            pass.SetHostName(host);
            pass.Run(_files, host, finalPass: true);
        }

        return new SshConfigOptions(alias, host, pass.Values, pass.Warnings);
    }

    private static IEnumerable<SshConfigFile> Files(IEnumerable<SshConfigFile> files)
    {
        foreach (var file in files)
        {
            yield return file;
            foreach (var included in Files(file.Entries.OfType<SshConfigIncludeEntry>().SelectMany(i => i.Files)))
            {
                yield return included;
            }
        }
    }

    private static IEnumerable<SshConfigEntry> AllEntries(IEnumerable<SshConfigFile> files) => Files(files).SelectMany(f => f.Entries);
}

/// <summary>
/// ssh's -l, -p and -J options: ssh passes them to the ssh it starts for each ProxyJump hop, and
/// they win over the files (ssh reads the command line first).
/// </summary>
public sealed record SshConfigCommandLine(string? User = null, int? Port = null, string? ProxyJump = null);
