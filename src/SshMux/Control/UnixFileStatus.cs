using System.Runtime.InteropServices;

namespace SshMux.Control;

/// <summary>What lstat(2) says about a path: enough for the ownership and mode checks .NET has no API for.</summary>
internal readonly record struct UnixFileStatus(uint Uid, uint Mode)
{
    private const uint TypeMask = 0xF000;

    public bool IsDirectory => (Mode & TypeMask) == 0x4000;

    public bool IsSymbolicLink => (Mode & TypeMask) == 0xA000;

    public bool IsSocket => (Mode & TypeMask) == 0xC000;

    /// <summary>The permission bits (with setuid, setgid, sticky).</summary>
    public uint Permissions => Mode & 0xFFF;
}

/// <summary>
/// statx(2) without following a final symlink. statx is used rather than lstat because its
/// structure has the same layout on every Linux architecture (struct stat does not).
/// </summary>
internal static partial class UnixFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxTypeModeUid = 0x1 | 0x2 | 0x8;
    private const int NoSuchFile = 2;

    // struct statx (linux/stat.h): stx_mask u32 @0, stx_blksize u32 @4, stx_attributes u64 @8,
    // stx_nlink u32 @16, stx_uid u32 @20, stx_gid u32 @24, stx_mode u16 @28; 256 bytes in all.
    private const int StatxSize = 256;
    private const int UidOffset = 20;
    private const int ModeOffset = 28;

    /// <summary>The effective user id of this process.</summary>
    public static uint EffectiveUserId => GetEffectiveUserId();

    /// <summary>The status of the path itself (a symlink is not followed), or null when nothing is there.</summary>
    public static unsafe UnixFileStatus? Lstat(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Checking the owner of the control directory is implemented for Linux only (statx)");
        }

        var buffer = stackalloc byte[StatxSize];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxTypeModeUid, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == NoSuchFile)
            {
                return null;
            }

            throw new IOException($"Cannot inspect {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var uid = *(uint*)(buffer + UidOffset);
        var mode = *(ushort*)(buffer + ModeOffset);
        return new UnixFileStatus(uid, mode);
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
