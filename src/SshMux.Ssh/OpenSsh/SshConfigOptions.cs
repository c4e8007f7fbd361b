namespace SshMux.Ssh.OpenSsh;

/// <summary>
/// The options that apply to one host, as ssh would obtain them: the first value obtained for a
/// keyword wins, except the accumulating keywords (IdentityFile, CertificateFile, LocalForward...)
/// whose values are all kept in order. Values are as written (no ~ or % expansion), except
/// <see cref="HostName"/>, which is final: %h expanded and lowered as ssh.c does.
/// </summary>
public sealed class SshConfigOptions
{
    private readonly Dictionary<string, List<SshConfigLine>> _values;

    internal SshConfigOptions(string alias, string hostName, Dictionary<string, List<SshConfigLine>> values, IReadOnlyList<OpenSshFileWarning> warnings)
    {
        Alias = alias;
        HostName = hostName;
        _values = values;
        Warnings = warnings;
    }

    /// <summary>The host name as given (ssh's %n, "originalhost").</summary>
    public string Alias { get; }

    /// <summary>The host to connect to: HostName with %h expanded, or the alias; in lower case.</summary>
    public string HostName { get; }

    /// <summary>Lines that were passed over (Match exec...), for the log.</summary>
    public IReadOnlyList<OpenSshFileWarning> Warnings { get; }

    /// <summary>Keywords (lower case) that obtained a value.</summary>
    public IEnumerable<string> Keywords => _values.Keys;

    /// <summary>User, or null when none was configured (ssh then uses the local user).</summary>
    public string? User => First(SshConfigKeywords.User)?.Arguments[0];

    /// <summary>Port, or null when none was configured (22).</summary>
    public int? Port => First(SshConfigKeywords.Port) is { } line ? SshConfigKeywords.ParsePort(line.Arguments[0]) : null;

    /// <summary>IdentityFile values in order, duplicates dropped as ssh does; not expanded.</summary>
    public IReadOnlyList<string> IdentityFiles => Strings(SshConfigKeywords.IdentityFile);

    public IReadOnlyList<string> CertificateFiles => Strings(SshConfigKeywords.CertificateFile);

    /// <summary>IdentitiesOnly, or null when not configured (no).</summary>
    public bool? IdentitiesOnly => First(SshConfigKeywords.IdentitiesOnly) is { } line ? SshConfigKeywords.ParseFlag(line.Arguments[0]) : null;

    /// <summary>The ProxyJump hop list that takes effect (null when none or "none"), as written after comment removal.</summary>
    public string? ProxyJump =>
        First(SshConfigKeywords.ProxyJump) is { } line && SshConfigKeywords.JumpText(line.Arguments[0]) is var text
        && !text.Equals("none", StringComparison.OrdinalIgnoreCase) ? text : null;

    /// <summary>The ProxyCommand that takes effect (null when none, "none", or a ProxyJump was obtained first); not expanded.</summary>
    public string? ProxyCommand =>
        ProxyJump is null && First(SshConfigKeywords.ProxyCommand) is { } line && SshConfigKeywords.CommandText(line) is var text
        && !text.Equals("none", StringComparison.Ordinal) ? text : null;

    /// <summary>StrictHostKeyChecking as written (lower case), or null when not configured (ask).</summary>
    public string? StrictHostKeyChecking => First(SshConfigKeywords.StrictHostKeyChecking) is { } line ? OpenSshPattern.ToLowerAscii(line.Arguments[0]) : null;

    /// <summary>The line whose value applies for a keyword (lower case), or null.</summary>
    public SshConfigLine? First(string keyword) => _values.TryGetValue(keyword, out var lines) ? lines[0] : null;

    /// <summary>Every line obtained for a keyword (one, unless it accumulates).</summary>
    public IReadOnlyList<SshConfigLine> All(string keyword) => _values.TryGetValue(keyword, out var lines) ? lines : [];

    private List<string> Strings(string keyword) => All(keyword).Select(l => l.Arguments[0]).ToList();
}
