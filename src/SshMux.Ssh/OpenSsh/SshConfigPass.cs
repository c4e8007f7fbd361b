namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// One reading of the configuration for one host (readconf.c process_config_line with its
/// "active" flag): Host and Match lines switch the following options on or off, an Include
/// reads its files with the current state and restores it afterwards, and an Include read
/// while inactive never activates anything (SSHCONF_NEVERMATCH).
/// </summary>
internal sealed class SshConfigPass(string alias, string localUser, HashSet<SshConfigHostEntry>? activated)
{
    private readonly List<OpenSshFileWarning> _warnings = [];
    private string _host = string.Empty;
    private bool _finalPass;

    public Dictionary<string, List<SshConfigLine>> Values { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<OpenSshFileWarning> Warnings => _warnings;

    public void Run(IReadOnlyList<SshConfigFile> files, string host, bool finalPass)
    {
        _host = host;
        _finalPass = finalPass;
        foreach (var file in files)
        {
            // Each top-level file starts active (readconf.c read_config_file).
            var active = true;
            Walk(file, ref active, neverMatch: false);
        }
    }

    /// <summary>Takes the command-line options as the first values obtained.</summary>
    public void Preset(SshConfigCommandLine commandLine)
    {
        const string source = "(command line)";
        if (commandLine.User is { } user)
        {
            Add(SshConfigKeywords.User, new SshConfigLine(source, 0, SshConfigKeywords.User, [user], user));
        }

        if (commandLine.Port is { } port)
        {
            var text = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Add(SshConfigKeywords.Port, new SshConfigLine(source, 0, SshConfigKeywords.Port, [text], text));
        }

        if (commandLine.ProxyJump is { } jump)
        {
            Add(SshConfigKeywords.ProxyJump, new SshConfigLine(source, 0, SshConfigKeywords.ProxyJump, [jump], jump));
        }
    }

    /// <summary>Records the final host name as the HostName obtained (before ssh's second pass).</summary>
    public void SetHostName(string host)
    {
        if (!Values.ContainsKey(SshConfigKeywords.HostName))
        {
            Add(SshConfigKeywords.HostName, new SshConfigLine("(first pass)", 0, SshConfigKeywords.HostName, [host.Replace("%", "%%", StringComparison.Ordinal)], host));
        }
    }

    /// <summary>HostName with %h (and %%) expanded, or null when none was obtained.</summary>
    public string? ExpandedHostName(string host)
    {
        if (!Values.TryGetValue(SshConfigKeywords.HostName, out var lines))
        {
            return null;
        }

        var line = lines[0];
        var text = line.Arguments[0];
        var result = new System.Text.StringBuilder(text.Length + host.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                result.Append(text[i]);
                continue;
            }

            var token = i + 1 < text.Length ? text[++i] : '\0';
            switch (token)
            {
                case '%':
                    result.Append('%');
                    break;
                case 'h':
                    result.Append(host);
                    break;
                default:
                    throw new SshConfigException(line.FileName, line.LineNumber, token == '\0' ? "HostName ends in a lone '%'" : $"HostName: unknown key %{token} (only %h and %% are expanded)");
            }
        }

        return result.ToString();
    }

    private void Walk(SshConfigFile file, ref bool active, bool neverMatch)
    {
        foreach (var entry in file.Entries)
        {
            switch (entry)
            {
                case SshConfigHostEntry host:
                    active = !neverMatch && host.Matches(_host);
                    if (active)
                    {
                        activated?.Add(host);
                    }

                    break;
                case SshConfigMatchEntry match:
                    active = !neverMatch && EvaluateMatch(match);
                    break;
                case SshConfigIncludeEntry include:
                    var outer = active;
                    foreach (var included in include.Files)
                    {
                        Walk(included, ref active, neverMatch || !outer);

                        // An Include's Host and Match lines do not change the including file's state.
                        active = outer;
                    }

                    break;
                case SshConfigOptionEntry option when active:
                    Apply(option.Line);
                    break;
            }
        }
    }

    private bool EvaluateMatch(SshConfigMatchEntry entry)
    {
        if (entry.Match.Refused is { } refused)
        {
            var warning = new OpenSshFileWarning(entry.Line.FileName, entry.Line.LineNumber,
                $"Match {refused.Attribute} is not evaluated by ssh-mux (it never runs commands from ssh_config); the block is treated as not matching");
            if (!_warnings.Contains(warning))
            {
                _warnings.Add(warning);
            }

            return false;
        }

        // readconf.c match_cfg_line: the host so far is HostName (%h expanded) or the name given;
        // in the final pass it is the final host name.
        var host = _finalPass ? _host : ExpandedHostName(_host) ?? _host;
        var user = Values.TryGetValue(SshConfigKeywords.User, out var users) ? users[0].Arguments[0] : localUser;
        return entry.Match.Evaluate(new SshConfigMatchState(host, alias, user, localUser, _finalPass));
    }

    private void Apply(SshConfigLine line)
    {
        var keyword = line.Keyword;
        var existing = Values.TryGetValue(keyword, out var lines) ? lines : null;
        if (SshConfigKeywords.Accumulates(keyword))
        {
            // add_identity_file / add_certificate_file ignore a path already listed.
            if (existing is not null && keyword is SshConfigKeywords.IdentityFile or SshConfigKeywords.CertificateFile
                && existing.Any(l => l.Arguments[0] == line.Arguments[0]))
            {
                return;
            }

            Add(keyword, line);
            return;
        }

        if (existing is not null)
        {
            return;
        }

        switch (keyword)
        {
            case SshConfigKeywords.ProxyJump when Values.ContainsKey(SshConfigKeywords.ProxyCommand):
                // parse_jump only takes effect while no ProxyCommand (or ProxyJump) was obtained.
                return;
            case SshConfigKeywords.ProxyCommand when Values.TryGetValue(SshConfigKeywords.ProxyJump, out var jumps)
                && !SshConfigKeywords.JumpText(jumps[0].Arguments[0]).Equals("none", StringComparison.OrdinalIgnoreCase):
                // A real ProxyJump sets ProxyCommand to "none" in ssh, so a later ProxyCommand is ignored.
                return;
        }

        Add(keyword, line);
    }

    private void Add(string keyword, SshConfigLine line)
    {
        if (!Values.TryGetValue(keyword, out var lines))
        {
            lines = [];
            Values[keyword] = lines;
        }

        lines.Add(line);
    }
}
