using System.Globalization;

namespace SshMux.Control;

/// <summary>
/// The directory holding the control socket: $XDG_RUNTIME_DIR/ssh-mux, else /tmp/ssh-mux-UID.
/// Anyone who can write it could put their own socket there and collect the person's OTPs, so
/// it is checked every time it is used and refused (fail closed) unless it is a real directory
/// (not a symlink), owned by this user, with mode exactly 0700, and every directory above it
/// is either a real directory or a symlink owned by root (as /var/run is).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class ControlDirectory
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static string Default(Func<string, string?> getenv)
    {
        ArgumentNullException.ThrowIfNull(getenv);

        // The XDG Base Directory specification: the runtime directory must be absolute, else ignored.
        if (getenv("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && Path.IsPathRooted(runtime))
        {
            return Path.Combine(runtime, "ssh-mux");
        }

        return "/tmp/ssh-mux-" + UnixFiles.EffectiveUserId.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Creates the directory (0700) when missing, then checks it; throws <see cref="ControlException"/> when unsafe.</summary>
    public static void Prepare(string path)
    {
        CheckAncestors(path);
        if (UnixFiles.Lstat(path) is null)
        {
            try
            {
                // mkdir fails when something appeared in between; the check below judges that.
                Directory.CreateDirectory(path, Mode);
                File.SetUnixFileMode(path, Mode);
            }
            catch (IOException e)
            {
                throw new ControlException($"Cannot create the control directory {path}: {e.Message}", e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new ControlException($"Cannot create the control directory {path}: {e.Message}", e);
            }
        }

        Check(path);
    }

    /// <summary>Throws <see cref="ControlException"/> unless the directory is safe; <see cref="DaemonNotRunningException"/> when it does not exist.</summary>
    public static void Check(string path)
    {
        CheckAncestors(path);
        var status = UnixFiles.Lstat(path)
            ?? throw new DaemonNotRunningException($"No ssh-mux daemon is running: {path} does not exist");
        if (status.IsSymbolicLink)
        {
            throw new ControlException($"Refusing the control directory {path}: it is a symbolic link");
        }

        if (!status.IsDirectory)
        {
            throw new ControlException($"Refusing the control directory {path}: it is not a directory");
        }

        if (status.Uid != UnixFiles.EffectiveUserId)
        {
            throw new ControlException($"Refusing the control directory {path}: it is owned by uid {status.Uid}, not by you (uid {UnixFiles.EffectiveUserId})");
        }

        if (status.Permissions != 0x1C0)
        {
            throw new ControlException($"Refusing the control directory {path}: its mode is {Convert.ToString(status.Permissions, 8)}, not 700");
        }
    }

    private static void CheckAncestors(string path)
    {
        var full = Path.GetFullPath(path);
        for (var parent = Path.GetDirectoryName(full); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
        {
            if (UnixFiles.Lstat(parent) is { IsSymbolicLink: true, Uid: not 0 } link)
            {
                throw new ControlException($"Refusing the control directory {path}: {parent} is a symbolic link owned by uid {link.Uid}, not root");
            }
        }
    }
}
