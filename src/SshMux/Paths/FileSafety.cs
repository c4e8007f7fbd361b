namespace SshMux.Paths;

/// <summary>
/// The checks OpenSSH's StrictModes makes (auth.c secure_path / safe_path), applied to every
/// path ssh-mux reads secrets from or writes to: no symbolic link anywhere from the path up
/// to the root (a link lets whoever controls it redirect the write), directories owned by the
/// user or root and not group- or world-writable (mask 022), files owned by the user and not
/// group- or world-writable. An ancestor that others may write to is accepted only with the
/// sticky bit (/tmp), which stops them renaming or deleting our entries.
/// </summary>
internal sealed class FileSafety(IFileStatusProvider status)
{
    private const UnixFileMode GroupOrOtherWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    private const UnixFileMode GroupOrOtherAccess = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static FileSafety Default { get; } = new(OperatingSystem.IsWindows()
        ? WindowsFileStatusProvider.Instance
        : UnixFileStatusProvider.Instance);

    public IFileStatusProvider Status => status;

    /// <summary>An existing directory we keep secrets in (the SSH directory).</summary>
    public void CheckDirectory(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        CheckAncestors(full);
        var stat = status.LStat(full);
        switch (stat.Kind)
        {
            case FileKind.Missing:
                throw new UnsafePathException(full, "the directory does not exist");
            case FileKind.Symlink:
                throw new UnsafePathException(full, "it is a symbolic link");
            case FileKind.Directory:
                break;
            default:
                throw new UnsafePathException(full, "it is not a directory");
        }

        if (!status.HasUnixPermissions)
        {
            return;
        }

        if (stat.Owner != 0 && stat.Owner != status.CurrentUser)
        {
            throw new UnsafePathException(full, $"the directory is owned by uid {stat.Owner}, not by you or root");
        }

        if ((stat.Mode & GroupOrOtherWrite) != 0)
        {
            throw new UnsafePathException(full, $"the directory is group- or world-writable (mode {Octal(stat.Mode)}; chmod go-w it)");
        }
    }

    /// <summary>
    /// A file we read or are about to replace: its directory must pass <see cref="CheckDirectory"/>;
    /// the file itself may be missing, and otherwise must be a regular file of the user's that
    /// others cannot write.
    /// </summary>
    public void CheckFile(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(full) ?? throw new UnsafePathException(full, "it has no directory");
        CheckDirectory(directory);
        var stat = status.LStat(full);
        switch (stat.Kind)
        {
            case FileKind.Missing:
                return;
            case FileKind.Symlink:
                throw new UnsafePathException(full, "it is a symbolic link");
            case FileKind.File:
                break;
            default:
                throw new UnsafePathException(full, "it is not a regular file");
        }

        if (!status.HasUnixPermissions)
        {
            return;
        }

        if (stat.Owner != status.CurrentUser)
        {
            throw new UnsafePathException(full, $"the file is owned by uid {stat.Owner}, not by you");
        }

        if ((stat.Mode & GroupOrOtherWrite) != 0)
        {
            throw new UnsafePathException(full, $"the file is group- or world-writable (mode {Octal(stat.Mode)}; chmod go-w it)");
        }
    }

    /// <summary>
    /// A private key: <see cref="CheckFile"/>, and besides not readable by group or others
    /// (sshd refuses such a host key: "UNPROTECTED PRIVATE KEY FILE").
    /// </summary>
    public void CheckSecretFile(string path)
    {
        CheckFile(path);
        if (!status.HasUnixPermissions)
        {
            return;
        }

        var full = System.IO.Path.GetFullPath(path);
        var stat = status.LStat(full);
        if (stat.Kind == FileKind.File && (stat.Mode & GroupOrOtherAccess) != 0)
        {
            throw new UnsafePathException(full, $"the private key is accessible by group or others (mode {Octal(stat.Mode)}; chmod 600 it)");
        }
    }

    /// <summary>Every proper ancestor of <paramref name="full"/>, up to the root.</summary>
    private void CheckAncestors(string full)
    {
        for (var parent = System.IO.Path.GetDirectoryName(full); parent is not null; parent = System.IO.Path.GetDirectoryName(parent))
        {
            var stat = status.LStat(parent);
            if (stat.Kind == FileKind.Symlink)
            {
                throw new UnsafePathException(full, $"its ancestor {parent} is a symbolic link");
            }

            if (stat.Kind is FileKind.Missing or FileKind.File or FileKind.Other)
            {
                throw new UnsafePathException(full, $"its ancestor {parent} is not a directory");
            }

            if (!status.HasUnixPermissions)
            {
                continue;
            }

            if (stat.Owner != 0 && stat.Owner != status.CurrentUser)
            {
                throw new UnsafePathException(full, $"its ancestor {parent} is owned by uid {stat.Owner}, not by you or root");
            }

            if ((stat.Mode & GroupOrOtherWrite) != 0 && (stat.Mode & UnixFileMode.StickyBit) == 0)
            {
                throw new UnsafePathException(full, $"its ancestor {parent} is group- or world-writable (mode {Octal(stat.Mode)}) without the sticky bit");
            }
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
