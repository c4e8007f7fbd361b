using System.Text;
using SshMux.Ssh.Io;

namespace SshMux.Paths;

/// <summary>
/// Writes ssh-mux's files: <see cref="FileSafety.CheckFile"/> first (no symlink on the way,
/// StrictModes ownership and modes), then <see cref="AtomicFile"/> (random temporary name
/// created exclusively, fsync, rename).
/// </summary>
internal static class SafeFile
{
    /// <summary>Files only the user may read: keys, tokens, the log.</summary>
    public const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Files others may read but not write: ssh config, known_hosts, public keys, units.</summary>
    public const UnixFileMode Public = Secret | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM); false when the file already held exactly that.</summary>
    public static bool WriteText(FileSafety safety, string path, string text, UnixFileMode mode)
    {
        ArgumentNullException.ThrowIfNull(safety);
        safety.CheckFile(path);
        var bytes = new UTF8Encoding(false).GetBytes(text);
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)
            && (OperatingSystem.IsWindows() || File.GetUnixFileMode(path) == mode))
        {
            return false;
        }

        AtomicFile.Write(path, bytes, mode);
        return true;
    }

    /// <summary>The file's text, or null when it does not exist; refused like a write when unsafe.</summary>
    public static string? ReadText(FileSafety safety, string path)
    {
        ArgumentNullException.ThrowIfNull(safety);
        safety.CheckFile(path);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>Creates a directory (and missing parents) that only the user can write; an existing one is left as it is.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
