using System.Globalization;
using System.Text;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.OpenSsh;

/// <summary>The marker that may start a known_hosts line.</summary>
public enum KnownHostsMarker
{
    None,

    /// <summary>@cert-authority: the key is a CA trusted for host certificates of the matching hosts.</summary>
    CertAuthority,

    /// <summary>@revoked: the key must never be accepted for the matching hosts.</summary>
    Revoked,
}

/// <summary>One usable known_hosts line: [marker] hostnames key-type base64-key [comment].</summary>
public sealed class KnownHostsEntry
{
    private readonly byte[]? _salt;
    private readonly byte[]? _hash;

    internal KnownHostsEntry(string fileName, int lineNumber, string line, KnownHostsMarker marker, string hosts,
        byte[]? salt, byte[]? hash, SshPublicKey key, string comment)
    {
        FileName = fileName;
        LineNumber = lineNumber;
        Line = line;
        Marker = marker;
        Hosts = hosts;
        _salt = salt;
        _hash = hash;
        Key = key;
        Comment = comment;
    }

    public string FileName { get; }

    public int LineNumber { get; }

    /// <summary>The line as it is in the file (without the line break).</summary>
    public string Line { get; }

    public KnownHostsMarker Marker { get; }

    /// <summary>The host field as written: a comma-separated pattern list, or one "|1|salt|hash" name.</summary>
    public string Hosts { get; }

    public bool IsHashed => _hash is not null;

    public SshPublicKey Key { get; }

    public string Comment { get; }

    /// <summary>"file:line".</summary>
    public string Location => $"{FileName}:{LineNumber}";

    /// <summary>
    /// Does the line apply to <paramref name="name"/> (a host, or "[host]:port")? A hashed line
    /// holds exactly one name; a plain line is a pattern list where a matching '!' entry excludes
    /// the host from this line (match_maybe_hashed / match_hostname, case-insensitive).
    /// </summary>
    public bool MatchesHost(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var lowered = OpenSshPattern.ToLowerAscii(name);
        return MatchesLowered(lowered, _hash is null ? null : Encoding.UTF8.GetBytes(lowered));
    }

    /// <summary><see cref="MatchesHost"/> for a name already in lower case (and its UTF-8 bytes, for hashed lines).</summary>
    internal bool MatchesLowered(string lowered, byte[]? loweredUtf8) =>
        _hash is not null
            ? KnownHostsHash.Matches(_salt, _hash, loweredUtf8 ?? Encoding.UTF8.GetBytes(lowered))
            : OpenSshPattern.MatchHostName(lowered, Hosts) == 1;

    /// <summary>
    /// The name known_hosts uses for a host and port (sshconnect.c put_host_port): the host in
    /// lower case for port 22 (or 0), "[host]:port" otherwise.
    /// </summary>
    public static string HostName(string host, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var lowered = OpenSshPattern.ToLowerAscii(host);
        return port is 0 or 22 ? lowered : string.Create(CultureInfo.InvariantCulture, $"[{lowered}]:{port}");
    }

    public override string ToString() => $"{Location}: {Key.KeyType} {Key.GetSha256Fingerprint()}";
}
