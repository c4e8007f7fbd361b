namespace SshMux.Ssh.OpenSsh;

/// <summary>One meaningful line of an ssh_config file, in file order.</summary>
internal abstract record SshConfigEntry(SshConfigLine Line);

/// <summary>
/// "Host PATTERN...": each whitespace-separated argument is one pattern (a comma is an ordinary
/// character here, unlike Match host), matched case-sensitively against the host name as given;
/// a matching "!pattern" turns the block off whatever else matches (readconf.c oHost).
/// </summary>
internal sealed record SshConfigHostEntry(SshConfigLine Line) : SshConfigEntry(Line)
{
    public IReadOnlyList<string> Patterns => Line.Arguments;

    public bool Matches(string host)
    {
        var matched = false;
        foreach (var argument in Patterns)
        {
            var negated = argument.StartsWith('!');
            if (OpenSshPattern.Match(host, negated ? argument.AsSpan(1) : argument))
            {
                if (negated)
                {
                    return false;
                }

                matched = true;
            }
        }

        return matched;
    }
}

/// <summary>"Match CRITERIA...": see <see cref="SshConfigMatch"/>.</summary>
internal sealed record SshConfigMatchEntry(SshConfigLine Line, SshConfigMatch Match) : SshConfigEntry(Line);

/// <summary>"Include PATH...": the files it named, already read, in glob order.</summary>
internal sealed record SshConfigIncludeEntry(SshConfigLine Line, IReadOnlyList<SshConfigFile> Files) : SshConfigEntry(Line);

/// <summary>Any other keyword, known to ssh-mux or not: its value applies when the block is active.</summary>
internal sealed record SshConfigOptionEntry(SshConfigLine Line) : SshConfigEntry(Line);

/// <summary>A file that was read, with its lines.</summary>
internal sealed record SshConfigFile(string Path, IReadOnlyList<SshConfigEntry> Entries);
