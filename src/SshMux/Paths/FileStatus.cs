using System.Runtime.InteropServices;

namespace SshMux.Paths;

internal enum FileKind
{
    Missing,
    File,
    Directory,
    Symlink,
    Other,
}

/// <summary>What lstat(2) says about one path: never follows a final symlink.</summary>
/// <param name="Owner">The owning uid; null where the platform has no uid (Windows).</param>
internal readonly record struct FileStatus(FileKind Kind, UnixFileMode Mode, uint? Owner);

/// <summary>The platform seam under <see cref="FileSafety"/>: lstat and the effective uid.</summary>
internal interface IFileStatusProvider
{
    FileStatus LStat(string path);

    /// <summary>The effective uid of this process; null on Windows.</summary>
    uint? CurrentUser { get; }

    /// <summary>Whether ownership and mode bits mean anything here (false on Windows, where DACLs decide).</summary>
    bool HasUnixPermissions { get; }
}

/// <summary>
/// lstat through libc. .NET exposes the mode (File.GetUnixFileMode) but not the owner, so the
/// owner comes from statx(2) on Linux, whose struct layout is the same on every architecture,
/// and from lstat(2) on macOS (64-bit inode layout: uid at byte 16; not yet run on a Mac).
/// </summary>
internal sealed partial class UnixFileStatusProvider : IFileStatusProvider
{
    public static readonly UnixFileStatusProvider Instance = new();

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    // struct statx: stx_uid at 20, stx_mode (u16) at 28; the whole struct is 256 bytes.
    private const int StatxUidOffset = 20;
    private const int StatxModeOffset = 28;

    // macOS struct stat (64-bit inodes): st_mode (u16) at 4, st_uid at 16; 144 bytes.
    private const int MacModeOffset = 4;
    private const int MacUidOffset = 16;

    private const int Enoent = 2;
    private const int Enotdir = 20;

    public uint? CurrentUser => GetEffectiveUserId();

    public bool HasUnixPermissions => true;

    public FileStatus LStat(string path)
    {
        Span<byte> buffer = stackalloc byte[512];
        buffer.Clear();
        int result;
        int modeOffset, uidOffset;
        if (OperatingSystem.IsMacOS())
        {
            // x86-64 keeps the 32-bit-inode lstat under the plain name; arm64 has only the 64-bit one.
            result = RuntimeInformation.ProcessArchitecture == Architecture.X64
                ? MacLStatInode64(path, ref MemoryMarshal.GetReference(buffer))
                : MacLStat(path, ref MemoryMarshal.GetReference(buffer));
            (modeOffset, uidOffset) = (MacModeOffset, MacUidOffset);
        }
        else
        {
            result = Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, ref MemoryMarshal.GetReference(buffer));
            (modeOffset, uidOffset) = (StatxModeOffset, StatxUidOffset);
        }

        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Enoent or Enotdir)
            {
                return new FileStatus(FileKind.Missing, 0, null);
            }

            throw new UnsafePathException(path, $"cannot be examined ({Marshal.GetPInvokeErrorMessage(errno)})");
        }

        var rawMode = BitConverter.ToUInt16(buffer.Slice(modeOffset, 2));
        var owner = BitConverter.ToUInt32(buffer.Slice(uidOffset, 4));
        var kind = (rawMode & 0xF000) switch
        {
            0x8000 => FileKind.File,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Other,
        };
        return new FileStatus(kind, (UnixFileMode)(rawMode & 0xFFF), owner);
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MacLStat(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "lstat$INODE64", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MacLStatInode64(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}

/// <summary>
/// Windows: reparse points (symlinks, junctions) are seen through the file attributes; owner
/// and DACL checks are not implemented, so <see cref="HasUnixPermissions"/> is false and
/// <see cref="FileSafety"/> checks only for reparse points there (documented in docs/cli.md).
/// </summary>
internal sealed class WindowsFileStatusProvider : IFileStatusProvider
{
    public static readonly WindowsFileStatusProvider Instance = new();

    public uint? CurrentUser => null;

    public bool HasUnixPermissions => false;

    public FileStatus LStat(string path)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists)
        {
            return new FileStatus(FileKind.Missing, 0, null);
        }

        var kind = (info.Attributes & FileAttributes.ReparsePoint) != 0 ? FileKind.Symlink
            : info is DirectoryInfo ? FileKind.Directory : FileKind.File;
        return new FileStatus(kind, 0, null);
    }
}
