using System.Collections.Concurrent;
using System.Text;
using SshMux.Ssh.Io;
using SshMux.Ssh.Keys;

namespace SshMux.Ssh.OpenSsh;

/// <summary>The outcome of adding a known_hosts entry. Callers that get a failure must refuse the host key.</summary>
public sealed record KnownHostsAddResult(bool Success, string Line, string? Error)
{
    public override string ToString() => Success ? $"added: {Line}" : $"not added: {Error}";
}

/// <summary>
/// Adds host keys to a known_hosts file the way ssh records a newly accepted key
/// (hostfile.c add_host_to_hostfile / format_host_entry): one line "name key-type base64",
/// the name plain or hashed. The whole file is rewritten through <see cref="AtomicFile"/>, so a
/// crash leaves the old or the new file and never a torn line; the existing bytes are kept
/// exactly (a missing final newline is supplied first), the file's mode is kept, and a new file
/// gets 0600.
/// </summary>
public static class KnownHostsWriter
{
    private const UnixFileMode NewFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode NewDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>sshconnect.c check_host_key will not record a name with any of these characters.</summary>
    private const string ForbiddenNameCharacters = "@?*#[]|'\"\\,";

    /// <summary>
    /// One lock per target file: the read-modify-rename is not atomic by itself, and two pins at
    /// once (parallel first connections) would each rename their copy over the other's line.
    /// </summary>
    private static readonly ConcurrentDictionary<string, object> s_fileLocks = new(StringComparer.Ordinal);

    /// <summary>The line (without the newline) for a host, port and key: "[host]:port" for ports other than 22.</summary>
    public static string FormatLine(string host, int port, SshPublicKey key, bool hashName)
    {
        ArgumentNullException.ThrowIfNull(key);
        ValidateHost(host);
        var name = KnownHostsEntry.HostName(host, port);
        return (hashName ? KnownHostsHash.Create(name) : name) + " " + SshPublicKeyLine.Format(key, null);
    }

    /// <summary>
    /// Appends an entry for <paramref name="host"/>:<paramref name="port"/>. Never throws for I/O
    /// problems or a name that cannot be recorded: the result says why it failed.
    /// </summary>
    public static KnownHostsAddResult Add(string path, string host, int port, SshPublicKey key, bool hashName = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(key);
        string line;
        try
        {
            line = FormatLine(host, port, key, hashName);
        }
        catch (ArgumentException e)
        {
            return new KnownHostsAddResult(false, string.Empty, e.Message);
        }

        try
        {
            var target = ResolveTarget(path);
            lock (s_fileLocks.GetOrAdd(target, _ => new object()))
            {
                AppendLocked(target, line);
            }

            return new KnownHostsAddResult(true, line, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return new KnownHostsAddResult(false, line, $"cannot write {path}: {e.Message}");
        }
    }

    /// <summary>Reads the file afresh under the lock, so a line another caller just added is kept.</summary>
    private static void AppendLocked(string target, string line)
    {
        byte[] existing = [];
        var mode = NewFileMode;
        if (File.Exists(target))
        {
            existing = File.ReadAllBytes(target);
            if (!OperatingSystem.IsWindows())
            {
                mode = File.GetUnixFileMode(target);
            }
        }
        else
        {
            CreateDirectory(Path.GetDirectoryName(target));
        }

        var addition = Encoding.UTF8.GetBytes(line + "\n");
        var separator = existing.Length > 0 && existing[^1] != (byte)'\n' ? 1 : 0;
        var content = new byte[existing.Length + separator + addition.Length];
        existing.CopyTo(content, 0);
        if (separator == 1)
        {
            content[existing.Length] = (byte)'\n';
        }

        addition.CopyTo(content, existing.Length + separator);
        AtomicFile.Write(target, content, mode);
    }

    private static void ValidateHost(string host)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        foreach (var c in host)
        {
            if (ForbiddenNameCharacters.Contains(c, StringComparison.Ordinal) || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw new ArgumentException($"The host name \"{host}\" cannot be recorded in known_hosts", nameof(host));
            }
        }
    }

    /// <summary>Writes through a symlinked known_hosts to its target, rather than replacing the link with a file.</summary>
    private static string ResolveTarget(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null)
        {
            return info.FullName;
        }

        return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
    }

    /// <summary>Like hostfile_create_user_ssh_dir: a missing directory is created, private to the user.</summary>
    private static void CreateDirectory(string? directory)
    {
        if (string.IsNullOrEmpty(directory) || Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, NewDirectoryMode);
        }
    }
}
