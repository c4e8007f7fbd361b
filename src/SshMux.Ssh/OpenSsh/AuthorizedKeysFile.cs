using System.Text;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.OpenSsh;

/// <summary>One usable line of an authorized_keys file.</summary>
public sealed class AuthorizedKeyEntry
{
    internal AuthorizedKeyEntry(string fileName, int lineNumber, string line, AuthorizedKeyOptions options,
        string keyType, SshPublicKey? key, SshCertificate? certificate, string comment)
    {
        FileName = fileName;
        LineNumber = lineNumber;
        Line = line;
        Options = options;
        KeyType = keyType;
        Key = key;
        Certificate = certificate;
        Comment = comment;
    }

    public string FileName { get; }

    public int LineNumber { get; }

    /// <summary>The line as it is in the file (without the line break).</summary>
    public string Line { get; }

    public AuthorizedKeyOptions Options { get; }

    public string KeyType { get; }

    /// <summary>The plain key of the line (a user key, or a CA key on a cert-authority line).</summary>
    public SshPublicKey? Key { get; }

    /// <summary>
    /// Set when the line holds a certificate rather than a key. sshd reads such lines but they
    /// never authorise anything: a presented key is compared with plain keys only.
    /// </summary>
    public SshCertificate? Certificate { get; }

    public string Comment { get; }

    /// <summary>"file:line", as sshd's log messages name an entry.</summary>
    public string Location => $"{FileName}:{LineNumber}";

    public override string ToString() => $"{Location}: {KeyType} {(Key ?? Certificate?.PublicKey)?.GetSha256Fingerprint()}";
}

/// <summary>
/// An authorized_keys file (sshd(8) AUTHORIZED_KEYS FILE FORMAT): one key per line, optionally
/// preceded by options; blank lines and lines starting with '#' are ignored. Lines that sshd
/// would skip (unknown key types, bad options, broken key data) become warnings naming the file
/// and line, and the rest of the file is still used.
/// </summary>
public sealed class AuthorizedKeysFile
{
    private AuthorizedKeysFile(string fileName, List<AuthorizedKeyEntry> entries, List<OpenSshFileWarning> warnings)
    {
        FileName = fileName;
        Entries = entries.AsReadOnly();
        Warnings = warnings.AsReadOnly();
    }

    public string FileName { get; }

    public IReadOnlyList<AuthorizedKeyEntry> Entries { get; }

    /// <summary>Lines that were skipped and why.</summary>
    public IReadOnlyList<OpenSshFileWarning> Warnings { get; }

    /// <summary>
    /// Parses the text of an authorized_keys file. With <paramref name="strict"/>, a malformed
    /// line (bad options, broken key data) raises <see cref="FormatException"/> naming the file
    /// and line instead of becoming a warning; keys of unsupported types are warnings either way.
    /// </summary>
    public static AuthorizedKeysFile Parse(string text, string fileName = "authorized_keys", bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var entries = new List<AuthorizedKeyEntry>();
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

            var (entry, problem, fatal) = ParseLine(fileName, lineNumber, line, start);
            if (entry is not null)
            {
                entries.Add(entry);
                continue;
            }

            var warning = new OpenSshFileWarning(fileName, lineNumber, problem!);
            if (strict && fatal)
            {
                throw new FormatException(warning.ToString());
            }

            warnings.Add(warning);
        }

        return new AuthorizedKeysFile(fileName, entries, warnings);
    }

    /// <summary>Reads and parses a file. A file that does not exist has no keys (as for sshd).</summary>
    public static AuthorizedKeysFile Load(string path, bool strict = false)
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

        return Parse(text, path, strict);
    }

    /// <summary>The first entry that authorises a plain public key, or why none did.</summary>
    public AuthorizedKeysMatch Match(SshPublicKey key, AuthorizedKeysContext context) =>
        AuthorizedKeysMatcher.Match([this], key, context);

    /// <summary>The first cert-authority entry that authorises a user certificate, or why none did.</summary>
    public AuthorizedKeysMatch Match(SshCertificate certificate, AuthorizedKeysContext context) =>
        AuthorizedKeysMatcher.Match([this], certificate, context);

    /// <summary>
    /// auth_check_authkey_line: if the line does not start with a key, what precedes the key is
    /// options (read up to the first blank outside double quotes, sshkey_advance_past_options).
    /// </summary>
    private static (AuthorizedKeyEntry? Entry, string? Problem, bool Fatal) ParseLine(string fileName, int lineNumber, string line, int start)
    {
        var key = OpenSshKeyText.Read(line, start);
        string? optionsText = null;
        if (key.Status == KeyTextStatus.NotAKey)
        {
            var optionsEnd = AdvancePastOptions(line, start);
            if (optionsEnd < 0)
            {
                return (null, "invalid key option string (unterminated quote)", true);
            }

            optionsText = line[start..optionsEnd];
            var keyStart = OpenSshKeyText.SkipBlanks(line, optionsEnd);
            if (keyStart >= line.Length)
            {
                return (null, "no key on the line", true);
            }

            key = OpenSshKeyText.Read(line, keyStart);
            if (key.Status == KeyTextStatus.NotAKey)
            {
                return (null, $"no key after the options (\"{SshPublicKey.Truncate(line[keyStart..])}\" is not a key)", true);
            }
        }

        if (key.Status == KeyTextStatus.UnsupportedType)
        {
            return (null, key.Error + "; line skipped", false);
        }

        if (key.Status == KeyTextStatus.Malformed)
        {
            return (null, key.Error, true);
        }

        AuthorizedKeyOptions options;
        try
        {
            options = AuthorizedKeyOptions.Parse(optionsText);
        }
        catch (FormatException e)
        {
            return (null, "bad key options: " + e.Message, true);
        }

        var comment = line[key.End..].TrimEnd(' ', '\t');
        return (new AuthorizedKeyEntry(fileName, lineNumber, line, options, key.Type, key.Key, key.Certificate, comment), null, false);
    }

    /// <summary>The index of the first blank outside quotes (\" does not toggle), or -1 for an unterminated quote.</summary>
    private static int AdvancePastOptions(string line, int start)
    {
        var quoted = false;
        var i = start;
        for (; i < line.Length && (quoted || line[i] is not (' ' or '\t')); i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] == '"')
            {
                i++;
            }
            else if (line[i] == '"')
            {
                quoted = !quoted;
            }
        }

        return i >= line.Length && quoted ? -1 : i;
    }
}
