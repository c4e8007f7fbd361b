namespace SshMux.Ssh.OpenSsh;

/// <summary>One Match criterion, e.g. "!host *.example.com".</summary>
internal sealed record SshConfigMatchCriterion(string Attribute, bool Negated, string? Argument);

/// <summary>
/// A "Match" line as readconf.c match_cfg_line() reads it: criteria are ANDed; each may be
/// negated with '!'; "all" stands alone (or after canonical/final); host and originalhost
/// take a comma-separated hostname pattern list (match_hostname, case-insensitive); user and
/// localuser take a pattern list matched case-sensitively.
/// </summary>
/// <remarks>
/// <para>"exec" is refused: ssh-mux never runs commands from ssh_config to decide which options
/// apply. A Match line with an exec criterion (negated or not) is treated as NOT matching as a
/// whole, and a warning names the line, so its options never apply.</para>
/// <para>Criteria newer than OpenSSH 9.2 (tagged, localnetwork, version, sessiontype, command)
/// are treated the same way; any other attribute is an error as in ssh.</para>
/// <para>"canonical" and "final" match only in the second pass that ssh makes when some Match
/// line asks for "final"; hostname canonicalisation itself (CanonicalizeHostname) is ignored.</para>
/// </remarks>
internal sealed class SshConfigMatch
{
    private static readonly HashSet<string> Unevaluated = new(StringComparer.Ordinal)
    {
        "exec", "tagged", "localnetwork", "version", "sessiontype", "command",
    };

    private SshConfigMatch(IReadOnlyList<SshConfigMatchCriterion> criteria, bool wantsFinalPass)
    {
        Criteria = criteria;
        WantsFinalPass = wantsFinalPass;
    }

    public IReadOnlyList<SshConfigMatchCriterion> Criteria { get; }

    /// <summary>A non-negated "final" makes ssh read the configuration a second time.</summary>
    public bool WantsFinalPass { get; }

    /// <summary>The criterion that makes this line unevaluable (exec...), or null.</summary>
    public SshConfigMatchCriterion? Refused => Criteria.FirstOrDefault(c => Unevaluated.Contains(c.Attribute));

    public static SshConfigMatch Parse(SshConfigLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var criteria = new List<SshConfigMatchCriterion>();
        var wantsFinal = false;
        var arguments = line.Arguments;
        var attributes = 0;
        for (var i = 0; i < arguments.Count; i++)
        {
            var original = arguments[i];
            var negated = original.StartsWith('!');
            var attribute = OpenSshPattern.ToLowerAscii(negated ? original[1..] : original);
            if (attribute == "all")
            {
                if (attributes > 1 || i + 1 < arguments.Count)
                {
                    throw Bad(line, $"'{original}' cannot be combined with other Match attributes");
                }

                criteria.Add(new SshConfigMatchCriterion(attribute, negated, null));
                break;
            }

            attributes++;
            if (attribute is "canonical" or "final")
            {
                wantsFinal |= attribute == "final" && !negated;
                criteria.Add(new SshConfigMatchCriterion(attribute, negated, null));
                continue;
            }

            if (i + 1 >= arguments.Count || arguments[i + 1].Length == 0)
            {
                throw Bad(line, $"Missing Match criteria for {attribute}");
            }

            if (attribute is not ("host" or "originalhost" or "user" or "localuser") && !Unevaluated.Contains(attribute))
            {
                throw Bad(line, $"Unsupported Match attribute {attribute}");
            }

            criteria.Add(new SshConfigMatchCriterion(attribute, negated, arguments[++i]));
        }

        if (attributes == 0 && criteria.Count == 0)
        {
            throw Bad(line, "One or more attributes required for Match");
        }

        return new SshConfigMatch(criteria, wantsFinal);
    }

    /// <summary>Whether the line matches; <paramref name="state"/> gives the values known so far.</summary>
    public bool Evaluate(SshConfigMatchState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Refused is not null)
        {
            return false;
        }

        var result = true;
        foreach (var criterion in Criteria)
        {
            var matched = criterion.Attribute switch
            {
                "all" => true,
                "canonical" or "final" => state.FinalPass,
                "host" => OpenSshPattern.MatchHostName(state.Host, criterion.Argument!) == 1,
                "originalhost" => OpenSshPattern.MatchHostName(state.OriginalHost, criterion.Argument!) == 1,
                "user" => OpenSshPattern.MatchList(state.RemoteUser, criterion.Argument!) == 1,
                "localuser" => OpenSshPattern.MatchList(state.LocalUser, criterion.Argument!) == 1,
                _ => false,
            };
            if (matched == criterion.Negated)
            {
                // match_cfg_line goes on through the remaining criteria (for its debug output)
                // but the line can no longer match.
                result = false;
            }
        }

        return result;
    }

    private static SshConfigException Bad(SshConfigLine line, string message) =>
        new(line.FileName, line.LineNumber, message + " (Bad Match condition)");
}

/// <summary>
/// What a Match line is evaluated against: the host name so far (HostName with %h expanded, or
/// the alias), the alias as given, the remote user so far (User or the local user), the local
/// user, and whether this is ssh's second ("final") pass.
/// </summary>
internal sealed record SshConfigMatchState(string Host, string OriginalHost, string RemoteUser, string LocalUser, bool FinalPass);
