using System.Text;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// A known_hosts file (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT), read as hostfile.c
/// hostkeys_foreach_file does: blank lines and '#' comments are ignored, and a line that cannot
/// be used (bad marker, bad hash, unknown or broken key) is skipped with a warning naming the
/// file and line; it never stops the rest of the file from being used.
/// </summary>
public sealed class KnownHostsFile
{
    private KnownHostsFile(string fileName, List<KnownHostsEntry> entries, List<OpenSshFileWarning> warnings)
    {
        FileName = fileName;
        Entries = entries.AsReadOnly();
        Warnings = warnings.AsReadOnly();
    }

    public string FileName { get; }

    public IReadOnlyList<KnownHostsEntry> Entries { get; }

    public IReadOnlyList<OpenSshFileWarning> Warnings { get; }

    public static KnownHostsFile Parse(string text, string fileName = "known_hosts")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var entries = new List<KnownHostsEntry>();
        var warnings = new List<OpenSshFileWarning>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.EndsWith('\r') ? rawLine[..^1] : rawLine;
            var start = OpenSshKeyText.SkipBlanks(line, 0);
            if (start >= line.Length || line[start] == '#')
            {
                continue;
            }

            var (entry, problem) = ParseLine(fileName, lineNumber, line, start);
            if (entry is not null)
            {
                entries.Add(entry);
            }
            else
            {
                warnings.Add(new OpenSshFileWarning(fileName, lineNumber, problem!));
            }
        }

        return new KnownHostsFile(fileName, entries, warnings);
    }

    /// <summary>Reads and parses a file; a file that does not exist is empty (as for ssh).</summary>
    public static KnownHostsFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            text = string.Empty;
        }

        return Parse(text, path);
    }

    /// <summary>The entries (of every marker) that apply to a host and port, in file order: what ssh-keygen -F lists.</summary>
    public IEnumerable<KnownHostsEntry> FindEntries(string host, int port = 22) => FindEntries(KnownHostsEntry.HostName(host, port));

    /// <summary>The entries that apply to a known_hosts name ("host" or "[host]:port").</summary>
    public IEnumerable<KnownHostsEntry> FindEntries(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var lowered = OpenSshPattern.ToLowerAscii(name);
        var utf8 = Encoding.UTF8.GetBytes(lowered);
        return Entries.Where(e => e.MatchesLowered(lowered, utf8));
    }

    /// <summary>Checks a plain host key: see <see cref="KnownHostsLookup"/>.</summary>
    public KnownHostsLookupResult Lookup(string host, int port, SshPublicKey key) =>
        KnownHostsLookup.Check([this], host, port, key);

    /// <summary>Checks a host certificate: see <see cref="KnownHostsLookup"/>.</summary>
    public KnownHostsLookupResult Lookup(string host, int port, SshCertificate certificate, KnownHostsLookupOptions? options = null) =>
        KnownHostsLookup.Check([this], host, port, certificate, options);

    /// <summary>hostkeys_foreach_file for one non-blank, non-comment line.</summary>
    private static (KnownHostsEntry? Entry, string? Problem) ParseLine(string fileName, int lineNumber, string line, int start)
    {
        var marker = KnownHostsMarker.None;
        var position = start;

        // check_markers: at most one of @cert-authority / @revoked, followed by blanks.
        while (position < line.Length && line[position] == '@')
        {
            var end = OpenSshKeyText.IndexOfBlank(line, position);
            if (marker != KnownHostsMarker.None || end < 0)
            {
                return (null, "invalid marker");
            }

            marker = line[position..end] switch
            {
                "@cert-authority" => KnownHostsMarker.CertAuthority,
                "@revoked" => KnownHostsMarker.Revoked,
                _ => KnownHostsMarker.None,
            };
            if (marker == KnownHostsMarker.None)
            {
                return (null, $"invalid marker \"{SshPublicKey.Truncate(line[position..end])}\"");
            }

            position = OpenSshKeyText.SkipBlanks(line, end);
        }

        var hostsEnd = OpenSshKeyText.IndexOfBlank(line, position);
        if (hostsEnd < 0)
        {
            return (null, "truncated line: no key after the host names");
        }

        var hosts = line[position..hostsEnd];
        byte[]? salt = null, hash = null;
        if (hosts.StartsWith('|') && !KnownHostsHash.TryParse(hosts, out salt, out hash))
        {
            return (null, $"bad host hash \"{SshPublicKey.Truncate(hosts)}\"");
        }

        var keyStart = OpenSshKeyText.SkipBlanks(line, hostsEnd);
        if (keyStart >= line.Length || line[keyStart] == '#')
        {
            return (null, "truncated line: no key type after the host names");
        }

        var key = OpenSshKeyText.Read(line, keyStart);
        switch (key.Status)
        {
            case KeyTextStatus.Ok when key.Certificate is not null:
                return (null, "a certificate cannot be a known_hosts key (trust its CA with @cert-authority)");
            case KeyTextStatus.Ok:
                return (new KnownHostsEntry(fileName, lineNumber, line, marker, hosts, salt, hash, key.Key!,
                    line[key.End..].TrimEnd(' ', '\t')), null);
            case KeyTextStatus.UnsupportedType:
                return (null, key.Error + "; line skipped");
            case KeyTextStatus.NotAKey:
                return (null, $"invalid key \"{SshPublicKey.Truncate(line[keyStart..])}\"");
            default:
                return (null, key.Error);
        }
    }
}
